// Whole enrollments on the Temporal dev server with the real activities, the real PostgreSQL and the
// sandbox networks over HTTP: card on file -> one-time code from the dev inbox -> push -> the consumer on
// the token requestor's page -> the network asks the issuer and notifies it -> token ACTIVE in the inventory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEnrollmentActivities } from '../../activities/create-enrollment-activities.js';
import { IssuerKeyStore } from '../../activities/keys/key-store.js';
import { MdesClient } from '../../activities/networks/mdes/client.js';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { createTokenRequestorActivities } from '../../activities/token-requestors/token-requestor-activities.js';
import { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import { CardVault } from '../../activities/vault/card-vault.js';
import { registerNetworkCallbacks } from '../../api/network-callbacks.js';
import { enrollmentWorkflowId, type EnrollmentInput, type Redirect } from '../../domain/enrollment.js';
import { enrollmentViewQuery, submitOneTimeCodeUpdate } from '../../domain/messages.js';
import { enrollmentSearchAttributes } from '../../domain/search-attributes.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import { registerSearchAttributes } from '../../stack/search-attributes.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-dev-server.js';
import {
  ensureTokenRequestorSchedule,
  tokenRequestorScheduleId,
  triggerTokenRequestorRefresh,
} from '../../stack/token-requestor-schedule.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { enrollmentWorkflow } from '../../workflows/enrollment.js';
import type { refreshTokenRequestorsWorkflow } from '../../workflows/token-requestor-refresh.js';
import { freePort } from '../support/free-port.js';
import { uniqueRequestId, uniqueTaskQueue } from '../support/temporal.js';

const wallet = '50110030273';
const cards = {
  MASTERCARD: { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
  VISA: { pan: '4111111111111111', expiryMonth: 11, expiryYear: 2030, cardholderName: 'Ada Lovelace' },
} as const;

let dataDir: string;
let temporal: TemporalDevServer;
let connection: Connection;
let client: Client;
let workerConnection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let pool: pg.Pool;
let sandbox: RunningSandbox;
let issuer: FastifyInstance;
let vault: CardVault;
const taskQueue = uniqueTaskQueue();

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-e2e-'));
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  const issuerPort = await freePort();
  const issuerUrl = `http://127.0.0.1:${issuerPort}`;
  [temporal, sandbox] = await Promise.all([
    startTemporalDevServer({
      cliPath: inject('temporalCliPath'),
      host: '127.0.0.1',
      port: await freePort(),
      dbFile: path.join(dataDir, 'temporal.sqlite'),
      namespace: 'default',
      log: () => undefined,
    }),
    startSandbox({ dataDir: path.join(dataDir, 'sandbox'), issuerBaseUrl: issuerUrl }),
  ]);
  const keys = await IssuerKeyStore.open({
    keysDir: path.join(dataDir, 'keys'),
    networkCredentialsFile: sandbox.credentialsFile,
    generateIfMissing: true,
  });
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection });
  await registerSearchAttributes(connection, 'default', enrollmentSearchAttributes);

  issuer = Fastify();
  issuer.get('/.well-known/jwks.json', () => keys.jwks());
  await registerNetworkCallbacks(issuer, { credentials: keys.networks, pool, temporal: client });
  await issuer.listen({ host: '127.0.0.1', port: issuerPort });

  vault = new CardVault(pool, keys.vault);
  const mdes = new MdesClient(keys.networks);
  const vts = new VtsClient(keys.networks);
  const cache = new TokenRequestorCache(pool, { mdes, vts });
  workerConnection = await NativeConnection.connect({ address: temporal.address });
  worker = await createEnrollmentWorker({
    connection: workerConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: await bundleEnrollmentWorkflows(),
    activities: {
      ...createEnrollmentActivities({ pool, vault, keys, mdes, vts, tokenRequestors: cache }),
      ...createTokenRequestorActivities({ pool, cache }),
    },
  });
  running = worker.run();
});

afterAll(async () => {
  if (worker?.getState() === 'RUNNING') worker.shutdown();
  await running;
  await workerConnection?.close();
  await connection?.close();
  await temporal?.stop();
  await issuer?.close();
  await sandbox?.close();
  await pool?.end();
  await rm(dataDir, { recursive: true, force: true });
});

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every text a history holds, payloads decoded: where a card number would show if it leaked. */
function historyTexts(value: unknown, texts: string[] = []): string[] {
  if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') texts.push(value);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyTexts(item, texts);
  return texts;
}

describe.each(['MASTERCARD', 'VISA'] as const)('a whole %s enrollment', (network) => {
  it('goes from a card on file to an ACTIVE token in the inventory, and no card number reaches the history', async () => {
    const customerId = `customer-${uniqueRequestId()}`;
    const card = await vault.store(customerId, cards[network], 'card-on-file');
    await pool.query(
      `INSERT INTO customer_profiles (customer_id, email_address, mobile_dial_in_code, mobile_number, billing_address)
       VALUES ($1, 'ada@example.com', '44', '7700900123', $2)`,
      [customerId, { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GBR' }],
    );
    const requestId = uniqueRequestId();
    const input: EnrollmentInput = {
      requestId,
      customerId,
      cards: [{ method: 'card-on-file', cardId: card.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
      callbackUrl: 'https://issuer.example/cards/added',
    };
    const handle = await client.workflow.start(enrollmentWorkflow, {
      taskQueue,
      workflowId: enrollmentWorkflowId(requestId),
      args: [input],
    });

    await eventually(
      () => handle.query(enrollmentViewQuery),
      (view) => view.status === 'AWAITING_AUTHENTICATION',
      'authentication',
    );
    const { rows } = await pool.query<{ message: string }>('SELECT message FROM dev_inbox WHERE enrollment_id = $1', [
      handle.workflowId,
    ]);
    const code = /\b(\d{6})\b/.exec(rows[0]!.message)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await handle.executeUpdate(submitOneTimeCodeUpdate, { args: [{ code: wrong }] })).toEqual({
      outcome: 'WRONG_CODE',
      attemptsLeft: 2,
    });
    const outcome = await handle.executeUpdate(submitOneTimeCodeUpdate, { args: [{ code }] });
    expect(outcome).toMatchObject({ outcome: 'AUTHENTICATED', status: 'AWAITING_TOKEN_REQUESTOR' });
    const redirect = (outcome as { redirect: Redirect }).redirect;
    expect(redirect.url.startsWith(`${sandbox.urls.tokenRequestors}/tr/${wallet}/push/web?`)).toBe(true);
    if (network === 'MASTERCARD') {
      // Sandpay takes name, address, e-mail and phone: MDES signed that they were supplied.
      expect(new URL(redirect.url).searchParams.get('accountHolderDataSupplied')).toBe('true');
    }

    // The consumer on the token requestor's page, then its button.
    const page = await fetch(redirect.url);
    expect(page.status).toBe(200);
    const receipts = new URL(redirect.url).searchParams.get('pushAccountReceipts')!;
    const done = await fetch(`${sandbox.urls.tokenRequestors}/tr/${wallet}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ pushAccountReceipts: receipts, callbackURL: input.callbackUrl! }).toString(),
    });
    expect(await done.text()).toContain('Added to Sandpay');

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'COMPLETED', cards: [{ cardRef: card.cardRef, state: 'ACTIVE' }] });
    const token = result.cards[0]!.tokenUniqueReference!;
    const inventory = await eventually(
      () =>
        pool.query<{ status: string; customer_id: string; token_requestor_id: string }>(
          'SELECT status, customer_id, token_requestor_id FROM token_inventory WHERE token_unique_reference = $1',
          [token],
        ),
      (found) => found.rows.length === 1,
      'the token in the inventory',
    );
    expect(inventory.rows[0]).toEqual({ status: 'ACTIVE', customer_id: customerId, token_requestor_id: wallet });

    const ledger = network === 'MASTERCARD' ? sandbox.urls.mdes : sandbox.urls.vts;
    const pushes = (await (await fetch(`${ledger}/sandbox/ledger?kind=push&tokenRequestorId=${wallet}`)).json()) as {
      entries: { accounts: { receipt: string; accountHolderDataFields?: string[] }[] }[];
    };
    const ours = pushes.entries.filter((entry) => entry.accounts.some((account) => account.receipt === receipts));
    expect(ours).toHaveLength(1);
    if (network === 'MASTERCARD') {
      expect(ours[0]!.accounts[0]!.accountHolderDataFields).toEqual([
        'accountHolderAddress',
        'accountHolderEmailAddress',
        'accountHolderMobilePhoneNumber',
        'accountHolderName',
      ]);
    }

    const history = await handle.fetchHistory();
    const texts = historyTexts(history).join('\n');
    expect(texts).toContain(card.cardRef);
    expect(texts).not.toContain(cards[network].pan);
    // The code the consumer typed is the update's argument (encrypted once payloads are); the code sent
    // is never in the history: only its keyed hash is, in the activity's result.
    const outsideUpdateRequests = (history.events ?? []).filter(
      (event) =>
        !event.workflowExecutionUpdateAcceptedEventAttributes && !event.workflowExecutionUpdateAdmittedEventAttributes,
    );
    expect(historyTexts(outsideUpdateRequests).join('\n')).not.toContain(code);
  });
});

describe('the token requestor refresh', () => {
  /** The workflow runs the schedule has started so far, newest last. */
  async function scheduledRuns(): Promise<string[]> {
    const { info } = await client.schedule.getHandle(tokenRequestorScheduleId).describe();
    return info.recentActions.map((action) => action.action.workflow.workflowId);
  }

  it('refreshes both networks and their logos when its schedule starts, and again on demand', async () => {
    await pool.query('DELETE FROM token_requestors');
    await pool.query('DELETE FROM token_requestor_assets');
    await vault.store(`customer-${uniqueRequestId()}`, cards.MASTERCARD, 'card-on-file');

    expect(await ensureTokenRequestorSchedule(client, taskQueue)).toBe(true);
    expect(await ensureTokenRequestorSchedule(client, taskQueue)).toBe(false);
    const [first] = await eventually(scheduledRuns, (runs) => runs.length === 1, 'the first scheduled run');
    const result = await client.workflow.getHandle<typeof refreshTokenRequestorsWorkflow>(first!).result();
    expect(result.refreshed.map((summary) => summary.network)).toEqual(['MASTERCARD', 'VISA']);
    expect(result.refreshed[0]!.tokenRequestors).toBe(3);

    const { rows } = await pool.query<{ network: string; count: string }>(
      'SELECT network, count(*) FROM token_requestors GROUP BY network ORDER BY network',
    );
    expect(rows).toEqual([
      { network: 'MASTERCARD', count: '3' },
      { network: 'VISA', count: '3' },
    ]);
    const logos = await pool.query<{ media_contents: { type: string }[] }>(
      'SELECT media_contents FROM token_requestor_assets',
    );
    expect(logos.rows).toHaveLength(3);
    expect(logos.rows[0]!.media_contents.map((media) => media.type)).toEqual(['image/svg+xml', 'image/png']);

    await triggerTokenRequestorRefresh(client);
    const runs = await eventually(scheduledRuns, (started) => started.length === 2, 'the run on demand');
    const again = await client.workflow.getHandle<typeof refreshTokenRequestorsWorkflow>(runs[1]!).result();
    // Logos are cached by asset id: nothing to fetch the second time.
    expect(again.refreshed.map((summary) => summary.logosFetched)).toEqual([0, 0]);
    await client.schedule.getHandle(tokenRequestorScheduleId).delete();
  });
});
