// Whole enrollments on the Temporal dev server with the real activities, the real PostgreSQL and the
// sandbox networks over HTTP: card on file -> one-time code from the dev inbox -> push -> the consumer on
// the token requestor's page -> the network asks the issuer and notifies it -> token ACTIVE in the inventory.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enrollmentWorkflowId,
  type CardNetwork,
  type EnrollmentInput,
  type Redirect,
} from '../../domain/enrollment.js';
import { enrollmentViewQuery, submitOneTimeCodeUpdate } from '../../domain/messages.js';
import {
  ensureTokenRequestorSchedule,
  tokenRequestorScheduleId,
  triggerTokenRequestorRefresh,
} from '../../deploy/token-requestor-schedule.js';
import { enrollmentWorkflow } from '../../workflows/enrollment/workflow.js';
import type { refreshTokenRequestorsWorkflow } from '../../workflows/token-requestor-refresh.js';
import { EncryptionCodec } from '../../activities/crypto/payload-codec.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { decodedPayloadTexts, historyTexts } from '../support/history.js';
import { eventually } from '../support/eventually.js';
import { uniqueRequestId } from '../support/temporal.js';

const wallet = '50110030273';
const cards = {
  MASTERCARD: { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
  VISA: { pan: '4111111111111111', expiryMonth: 11, expiryYear: 2030, cardholderName: 'Ada Lovelace' },
} as const;

let stack: EngineStack;
let client: Client;
let pool: EngineStack['pool'];
let sandbox: EngineStack['sandbox'];
let vault: EngineStack['vault'];
let taskQueue: string;

beforeAll(async () => {
  stack = await startEngineStack();
  ({ client, pool, sandbox, vault, taskQueue } = stack);
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * What each network shows of the account holder data Sandpay takes (name, address, e-mail, phone): MDES
 * signs that they were supplied and its ledger names the fields; Visa's redirect and ledger say nothing.
 */
const networks = [
  {
    network: 'MASTERCARD',
    sandbox: 'mdes',
    accountHolderDataSupplied: 'true',
    accountHolderDataFields: [
      'accountHolderAddress',
      'accountHolderEmailAddress',
      'accountHolderMobilePhoneNumber',
      'accountHolderName',
    ],
  },
  { network: 'VISA', sandbox: 'vts' },
] as const satisfies readonly {
  network: CardNetwork;
  sandbox: 'mdes' | 'vts';
  accountHolderDataSupplied?: string;
  accountHolderDataFields?: readonly string[];
}[];

describe.each(networks)('a whole $network enrollment', (expected) => {
  const { network } = expected;
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
    if ('accountHolderDataSupplied' in expected) {
      expect(new URL(redirect.url).searchParams.get('accountHolderDataSupplied')).toBe(
        expected.accountHolderDataSupplied,
      );
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

    const ledger = sandbox.urls[expected.sandbox];
    const pushes = (await (await fetch(`${ledger}/sandbox/ledger?kind=push&tokenRequestorId=${wallet}`)).json()) as {
      entries: { accounts: { receipt: string; accountHolderDataFields?: string[] }[] }[];
    };
    const ours = pushes.entries.filter((entry) => entry.accounts.some((account) => account.receipt === receipts));
    expect(ours).toHaveLength(1);
    if ('accountHolderDataFields' in expected) {
      expect(ours[0]!.accounts[0]!.accountHolderDataFields).toEqual(expected.accountHolderDataFields);
    }

    // As Temporal stores it: every payload encrypted, so neither the card reference nor the card is readable.
    const history = await handle.fetchHistory();
    const raw = historyTexts(history).join('\n');
    expect(raw).not.toContain(card.cardRef);
    expect(raw).not.toContain(cards[network].pan);
    expect(raw).not.toContain(code);
    // As an operator with the keys sees it: the card reference, never the card; the code the consumer
    // typed only as the update's argument (the code sent is never there, only its keyed hash).
    const codec = new EncryptionCodec(stack.keys.payload);
    expect((await decodedPayloadTexts(history, codec)).join('\n')).toContain(card.cardRef);
    expect((await decodedPayloadTexts(history, codec)).join('\n')).not.toContain(cards[network].pan);
    const outsideUpdateRequests = (history.events ?? []).filter(
      (event) =>
        !event.workflowExecutionUpdateAcceptedEventAttributes && !event.workflowExecutionUpdateAdmittedEventAttributes,
    );
    expect((await decodedPayloadTexts(outsideUpdateRequests, codec)).join('\n')).not.toContain(code);
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
    expect(result.refreshed[0]!.tokenRequestors).toBe(6);

    const { rows } = await pool.query<{ network: string; count: string }>(
      'SELECT network, count(*) FROM token_requestors GROUP BY network ORDER BY network',
    );
    expect(rows).toEqual([
      { network: 'MASTERCARD', count: '6' },
      { network: 'VISA', count: '6' },
    ]);
    const logos = await pool.query<{ media_contents: { type: string }[] }>(
      'SELECT media_contents FROM token_requestor_assets',
    );
    expect(logos.rows).toHaveLength(6);
    expect(logos.rows[0]!.media_contents.map((media) => media.type)).toEqual(['image/svg+xml', 'image/png']);

    await triggerTokenRequestorRefresh(client);
    const runs = await eventually(scheduledRuns, (started) => started.length === 2, 'the run on demand');
    const again = await client.workflow.getHandle<typeof refreshTokenRequestorsWorkflow>(runs[1]!).result();
    // Logos are cached by asset id: nothing to fetch the second time.
    expect(again.refreshed.map((summary) => summary.logosFetched)).toEqual([0, 0]);
    await client.schedule.getHandle(tokenRequestorScheduleId).delete();
  });
});
