// Enrollments that survive crashes: batches of enrollments driven through the API while the worker is
// killed with SIGKILL and restarted, while the Temporal dev server (persisting to its SQLite file) is
// restarted, and while the networks answer 5xx, 429 and nothing at all. Every enrollment must reach the
// terminal state its card and its consumer call for, none may be lost, and the networks' ledgers must show
// exactly one push and at most one tokenisation per card. Then 50 concurrent starts of one request.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luhnValid, maskPan } from '../../domain/card-number.js';
import { mdesPaths } from '../../sandbox/mdes/server.js';
import { vtsPaths } from '../../sandbox/vts/server.js';
import { apiCaller, completeAtTokenRequestor, start, type ApiJson, type Caller } from '../support/api-caller.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';
import { startWorkerProcess, type WorkerProcess } from '../support/worker-process.js';

const wallet = '50110030273'; // takes Mastercard and Visa cards
const terminal = ['COMPLETED', 'DECLINED', 'CANCELLED', 'EXPIRED', 'FAILED'];

let stack: EngineStack;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  stack = await startEngineStack({ inProcessWorker: false });
  worker = await startWorkerProcess(stack);
}, 180_000);

afterAll(async () => {
  await worker?.kill();
  await stack?.stop();
});

type Ending = 'COMPLETED' | 'DECLINED' | 'CANCELLED';
interface Plan {
  pan: string;
  ending: Ending;
}
interface Outcome extends Plan {
  id: string;
  view: ApiJson;
}

const usedSuffixes = new Set<string>();
/** Enrollments whose code was submitted and whose redirect has not come back: their push is under way. */
const pushing = new Set<string>();

/** A Luhn-valid card number under `prefix` whose last four no other card of this file has (the ledger shows BIN and last four). */
function freshPan(prefix: string): string {
  for (;;) {
    const body =
      prefix +
      String(Math.floor(Math.random() * 1e9))
        .padStart(15 - prefix.length, '0')
        .slice(0, 15 - prefix.length);
    const pan = Array.from({ length: 10 }, (_, digit) => `${body}${digit}`).find(luhnValid)!;
    if (!usedSuffixes.has(pan.slice(-4))) {
      usedSuffixes.add(pan.slice(-4));
      return pan;
    }
  }
}

/** Mastercard and Visa cards, one of each network declined by its network, one cancelled by its consumer. */
function batch(size: number): Plan[] {
  return Array.from({ length: size }, (_, index) => ({
    pan: freshPan(index % 2 === 0 ? '520473' : '411111'),
    ending: index === 2 || index === 3 ? 'DECLINED' : index === size - 1 ? 'CANCELLED' : 'COMPLETED',
  }));
}

/** Retries until `attempt` gives a value: the consumer's app trying again while a part of the engine is down. */
async function persist<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs = 150_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: gave up after ${timeoutMs / 1000} s (last error: ${String(last)})`);
    await sleep(250);
  }
}

async function viewOf(customer: Caller, id: string): Promise<ApiJson | undefined> {
  const response = await customer.call('GET', `/v1/enrollments/${id}`);
  return response.status === 200 ? response.body : undefined;
}

/** One consumer's enrollment through the API, from the start to its terminal state, trying again on 5xx. */
async function enrol(plan: Plan): Promise<Outcome> {
  const customer = await apiCaller(stack);
  const card = await stack.vault.store(
    customer.customerId,
    { pan: plan.pan, expiryMonth: 12, expiryYear: 2031, cardholderName: 'Chaos Monkey' },
    'card-on-file',
  );
  const key = randomUUID();
  const body = { cards: [{ cardId: card.cardRef }], tokenRequestorId: wallet, pushMethod: 'WEB' };
  const id = await persist('start', async () => {
    const response = await start(customer, body, key);
    return response.status === 201 ? response.body.id : undefined;
  });

  if (plan.ending === 'CANCELLED') {
    await persist('cancel', async () => {
      const response = await customer.call('POST', `/v1/enrollments/${id}/cancel`, {});
      return response.status === 200 || (await viewOf(customer, id))?.status === 'CANCELLED' || undefined;
    });
  } else {
    await persist(
      'the code sent',
      async () => (await viewOf(customer, id))?.status === 'AWAITING_AUTHENTICATION' || undefined,
    );
    const code = await persist('the code in the inbox', async () => {
      const { rows } = await stack.pool.query<{ message: string }>(
        'SELECT message FROM dev_inbox WHERE enrollment_id = $1 ORDER BY sequence DESC LIMIT 1',
        [id],
      );
      return rows[0] && /\b(\d{6})\b/.exec(rows[0].message)?.[1];
    });
    pushing.add(id);
    let submitted = false;
    const redirect = await persist('the redirect', async () => {
      if (!submitted) {
        const response = await customer.call('POST', `/v1/enrollments/${id}/one-time-code`, { code });
        if (response.status === 200 && response.body.outcome === 'AUTHENTICATED')
          return response.body.redirect?.url ?? '';
      }
      // The code may have landed before the answer was lost: the enrollment says where it is, once the
      // push is over (while it is PUSHING, the redirect is still to come).
      const view = await viewOf(customer, id);
      if (view?.status === 'AWAITING_TOKEN_REQUESTOR' && view.redirect) return view.redirect.url;
      if (view && terminal.includes(String(view.status))) return '';
      if (view && view.status !== 'AWAITING_AUTHENTICATION') submitted = true;
      return undefined;
    }).finally(() => pushing.delete(id));
    if (redirect) {
      await persist('the token requestor', () =>
        completeAtTokenRequestor(stack, redirect, 'https://issuer.example/cards/added'),
      );
    }
  }
  const view = await persist('the terminal state', async () => {
    const found = await viewOf(customer, id);
    return found && terminal.includes(String(found.status)) ? found : undefined;
  });
  return { ...plan, id, view };
}

interface LedgerEntry {
  kind: string;
  receipt?: string;
  decision?: string;
  accounts?: { receipt: string; maskedPan: string }[];
  declined?: { maskedPan?: string }[];
}

async function ledger(network: 'mdes' | 'vts', kind: string): Promise<LedgerEntry[]> {
  const response = await fetch(`${stack.sandbox.urls[network]}/sandbox/ledger?kind=${kind}`);
  return ((await response.json()) as { entries: LedgerEntry[] }).entries;
}

/** What the networks did for each card: pushes (accepted or declined) and tokenisations. */
async function networkRecord(): Promise<Map<string, { pushes: number; tokenisations: string[] }>> {
  const byCard = new Map<string, { pushes: number; tokenisations: string[] }>();
  const of = (maskedPan: string) => {
    if (!byCard.has(maskedPan)) byCard.set(maskedPan, { pushes: 0, tokenisations: [] });
    return byCard.get(maskedPan)!;
  };
  for (const network of networks) {
    const receipts = new Map<string, string>();
    for (const push of await ledger(network, 'push')) {
      for (const account of push.accounts ?? []) {
        receipts.set(account.receipt, account.maskedPan);
        of(account.maskedPan).pushes += 1;
      }
      for (const declined of push.declined ?? []) if (declined.maskedPan) of(declined.maskedPan).pushes += 1;
    }
    for (const tokenisation of await ledger(network, 'tokenize')) {
      of(receipts.get(tokenisation.receipt!) ?? 'unknown receipt').tokenisations.push(tokenisation.decision!);
    }
  }
  return byCard;
}

/** Every enrollment ended as planned, and the networks pushed each card once and tokenised it at most once. */
async function expectEveryEnrollmentAccountedFor(outcomes: Outcome[]): Promise<void> {
  expect(outcomes.map(({ view, ending }) => [view.status, ending])).toEqual(
    outcomes.map(({ ending }) => [ending, ending]),
  );
  for (const { view, ending } of outcomes) {
    const states = { COMPLETED: 'ACTIVE', DECLINED: 'DECLINED', CANCELLED: 'CANCELLED' } as const;
    expect(view.cards.map((card) => card.state)).toEqual([states[ending]]);
  }
  const record = await networkRecord();
  for (const { pan, ending } of outcomes) {
    const expected = {
      COMPLETED: { pushes: 1, tokenisations: ['APPROVED'] },
      DECLINED: { pushes: 1, tokenisations: [] },
      CANCELLED: undefined,
    }[ending];
    expect({ card: maskPan(pan), ...record.get(maskPan(pan)) }).toEqual({ card: maskPan(pan), ...expected });
  }
  expect(record.get('unknown receipt')).toBeUndefined();
  // None lost: every one of them runs to its end in Temporal, with the same result.
  for (const { id, view } of outcomes) {
    const result = (await stack.client.workflow.getHandle(id).result()) as { status: string };
    expect(result.status).toBe(view.status);
  }
}

const networks = ['mdes', 'vts'] as const;

async function declineAtNetworks(plans: Plan[]): Promise<void> {
  const declined = plans.filter((plan) => plan.ending === 'DECLINED').map((plan) => plan.pan);
  for (const network of networks) await knobs(network, { declines: { accountRanges: declined } });
}

async function slowNetworks(latencyMs: number): Promise<void> {
  for (const network of networks) await knobs(network, { latencyMs });
}

/** Resolves once an enrollment has been waiting 600 ms for its push (its code submitted, no redirect yet). */
async function whenAPushIsUnderWay(): Promise<void> {
  await eventually(
    () => Promise.resolve(pushing.size),
    (underWay) => underWay > 0,
    'a push under way',
    60_000,
  );
  await sleep(600);
}

async function knobs(network: 'mdes' | 'vts', change: object): Promise<void> {
  const response = await fetch(`${stack.sandbox.urls[network]}/sandbox/knobs`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(change),
  });
  expect(response.status).toBe(200);
}

describe('a batch of enrollments', () => {
  it('survives the worker killed with SIGKILL three times and restarted', async () => {
    const plans = batch(8);
    await declineAtNetworks(plans);
    await slowNetworks(1_500); // so that a kill finds a push under way at the network
    const journeys = Promise.all(plans.map((plan, index) => sleep(index * 300).then(() => enrol(plan))));
    const killed: number[] = [];
    for (let round = 0; round < 3; round += 1) {
      await whenAPushIsUnderWay();
      killed.push(worker!.pid);
      await worker!.kill();
      await sleep(500);
      worker = await startWorkerProcess(stack);
    }
    const outcomes = await journeys;
    await slowNetworks(0);
    expect(killed).toHaveLength(3);
    await expectEveryEnrollmentAccountedFor(outcomes);
    // A push cut off by a kill was sent again by the next worker, with the same requestId: the network
    // answered it from its records instead of pushing the card a second time.
    const replayed = [...(await ledger('mdes', 'push.replayed')), ...(await ledger('vts', 'push.replayed'))];
    expect(replayed.length).toBeGreaterThan(0);
  }, 300_000);

  // The dev server's SQLite runs in WAL mode with synchronous=NORMAL: a commit is in the log (the OS's page
  // cache) when answered, so a crash of the server, not of the machine, loses none.
  for (const how of ['stop', 'kill'] as const) {
    it(`survives the Temporal dev server ${how === 'stop' ? 'restarted' : 'killed with SIGKILL and restarted'} on its database file`, async () => {
      const plans = batch(6);
      await declineAtNetworks(plans);
      await slowNetworks(1_500);
      const journeys = Promise.all(plans.map((plan, index) => sleep(index * 200).then(() => enrol(plan))));
      await whenAPushIsUnderWay();
      await stack.restartTemporal(how);
      const outcomes = await journeys;
      await slowNetworks(0);
      await expectEveryEnrollmentAccountedFor(outcomes);
    }, 300_000);
  }

  it('survives the networks answering 5xx, 429 and nothing for a while', async () => {
    const plans = batch(6);
    await declineAtNetworks(plans);
    const faults = ['5xx', '429', 'timeout', '5xx', '429', '5xx'];
    for (const network of networks) {
      await knobs(network, {
        faults: {
          next: faults,
          retryAfterSeconds: 1,
          timeoutHoldMs: 1_500,
          paths: [mdesPaths.pushMultipleAccounts, vtsPaths.pushProvisionedCards],
        },
      });
    }
    const outcomes = await Promise.all(plans.map(enrol));
    for (const network of networks) {
      const injected = (await ledger(network, 'fault')) as unknown as { fault: string }[];
      expect(new Set(injected.map((entry) => entry.fault))).toEqual(new Set(['5xx', '429', 'timeout']));
      await knobs(network, { faults: { next: [], paths: null } });
    }
    await expectEveryEnrollmentAccountedFor(outcomes);
  }, 300_000);
});

describe('50 concurrent starts of the same request', () => {
  it('yield one execution', async () => {
    const customer = await apiCaller(stack);
    const card = await stack.vault.store(
      customer.customerId,
      { pan: freshPan('520473'), expiryMonth: 12, expiryYear: 2031 },
      'card-on-file',
    );
    const body = { cards: [{ cardId: card.cardRef }], tokenRequestorId: wallet, pushMethod: 'WEB' };
    const key = randomUUID();
    const responses = await Promise.all(Array.from({ length: 50 }, () => start(customer, body, key)));
    expect(new Set(responses.map((response) => response.status))).toEqual(new Set([201]));
    const ids = new Set(responses.map((response) => response.body.id));
    expect(ids.size).toBe(1);
    const [id] = ids;
    const { rows } = await stack.pool.query('SELECT 1 FROM enrollments WHERE customer_id = $1', [customer.customerId]);
    expect(rows).toHaveLength(1);
    const runs = await stack.client.workflow.count(`WorkflowId = '${id}'`);
    expect(runs.count).toBe(1);
    await customer.call('POST', `/v1/enrollments/${id}/cancel`, {});
  }, 120_000);
});
