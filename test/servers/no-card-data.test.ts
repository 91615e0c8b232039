// Complete enrollments through the API on the dev server (wallet provisionings through the sandbox's Apple
// Wallet and Google Wallet among them, and web pushes to Google Pay and Samsung Pay), then a search for card data everywhere an operator or an attacker could look: every
// history (each payload must be encrypted), search attributes, workflow ids, the API's logs, every row of
// PostgreSQL, and the sandbox's ledgers. Nothing may hold a test PAN or any 13-19 digit run that passes the
// Luhn check.
import { randomUUID } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { EncryptionCodec, temporalDataConverter } from '../../activities/crypto/payload-codec.js';
import { SymmetricKeyRing } from '../../activities/keys/symmetric-key-ring.js';
import { bundleEnrollmentWorkflows } from '../../workers/enrollment-worker.js';
import { luhnValid, maskPan } from '../../domain/card-number.js';
import { apiCaller, completeAtTokenRequestor, enrollmentReaches, oneTimeCodeOf, start } from '../support/api-caller.js';
import {
  addPaymentPass,
  cardIdOf,
  openWalletSession,
  provisionAtEngine,
  type ApplePayPayload,
} from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { googleDevice, provisionForGoogle, pushTokenize } from '../support/google-wallet.js';
import { addFromWeb, openWebSession, pushFromWeb } from '../support/web-wallet.js';
import type { GooglePayPayload, WebPushDelivery } from '../../domain/wallets.js';
import { logLines } from '../support/log-lines.js';
import { decodedPayloadTexts, historyTexts, payloadsIn } from '../support/history.js';

const wallet = '50110030273';
/** The workflow's patch ids (patched()): what a patch marker may name. */
const knownPatches = ['short-steps-as-local-activities', 'resent-code-awaited', 'enrollment-outcome-published'];
const pans = [
  '5204731600014792',
  '4111111111111111',
  '5555555555554444',
  '4012888888881881',
  '5105105105105100',
  '4000056655665556',
];
const callbackUrl = 'https://issuer.example/cards/added';

let stack: EngineStack;
const apiLog = logLines();

beforeAll(async () => {
  stack = await startEngineStack({
    apiLogStream: apiLog.stream,
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** Runs of 13 to 19 digits, standing alone, that pass the Luhn check: what a leaked PAN looks like. */
function luhnRuns(text: string): string[] {
  return [...text.matchAll(/(?<![0-9A-Za-z])\d{13,19}(?![0-9A-Za-z])/g)].map((match) => match[0]).filter(luhnValid);
}

const isEncrypted = (payload: Payload): boolean =>
  Buffer.from(payload.metadata?.encoding ?? new Uint8Array()).toString() === 'binary/encrypted';

describe('card data', () => {
  it('is nowhere in the histories, search attributes, workflow ids, logs or database after real enrollments', async () => {
    // A Mastercard on file added to Sandpay, a Visa typed in, and an enrollment declined by the issuer.
    const customer = await apiCaller(stack);
    const onFile = await stack.vault.store(
      customer.customerId,
      { pan: pans[0]!, expiryMonth: 9, expiryYear: 2031 },
      'card-on-file',
    );
    const typed = await customer.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: pans[1], expiryMonth: 11, expiryYear: 2030, cardholderName: 'Ada Lovelace' },
    });
    for (const cards of [[{ cardId: onFile.cardRef }], [{ captureId: typed.body.captureId, method: 'manual' }]]) {
      const started = await start(customer, { cards, tokenRequestorId: wallet, pushMethod: 'WEB', callbackUrl });
      await enrollmentReaches(customer, started.body.id, 'AWAITING_AUTHENTICATION');
      const code = await oneTimeCodeOf(stack, started.body.id);
      const authenticated = await customer.call('POST', `/v1/enrollments/${started.body.id}/one-time-code`, { code });
      expect(await completeAtTokenRequestor(stack, authenticated.body.redirect.url, callbackUrl)).toContain('Added to');
      await enrollmentReaches(customer, started.body.id, 'COMPLETED');
    }
    const third = await stack.vault.store(
      customer.customerId,
      { pan: pans[2]!, expiryMonth: 1, expiryYear: 2032 },
      'card-on-file',
    );
    const refused = await start(customer, {
      cards: [{ cardId: third.cardRef }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
    });
    await enrollmentReaches(customer, refused.body.id, 'AWAITING_AUTHENTICATION');
    for (const wrong of ['000001', '000002', '000003']) {
      await customer.call('POST', `/v1/enrollments/${refused.body.id}/one-time-code`, { code: wrong });
    }
    await enrollmentReaches(customer, refused.body.id, 'FAILED');

    // Apple Pay from the issuer's app: the engine's payload holds the card only encrypted for the device.
    await stack.vault.store(
      customer.customerId,
      { pan: pans[3]!, expiryMonth: 3, expiryYear: 2033, cardholderName: 'Ada Lovelace' },
      'card-on-file',
    );
    const session = await openWalletSession(stack, 'ECC_V2');
    const provisioned = await provisionAtEngine(stack, customer, await cardIdOf(customer, maskPan(pans[3]!)), session);
    expect(provisioned.status).toBe(201);
    const { enrollmentId, applePay } = provisioned.body as unknown as {
      enrollmentId: string;
      applePay: ApplePayPayload;
    };
    expect((await addPaymentPass(stack, session, applePay)).body.status).toBe('ACTIVE');
    await enrollmentReaches(customer, enrollmentId, 'COMPLETED');

    // Google Pay in-app (the network's OPC and the googleOpc), then web push of the same card to Google Pay
    // (the notification between the servers) and of another to Samsung Pay (the envelope via the page).
    for (const pan of pans.slice(4)) {
      await stack.vault.store(customer.customerId, { pan, expiryMonth: 5, expiryYear: 2032 }, 'card-on-file');
    }
    const googleCardId = await cardIdOf(customer, maskPan(pans[4]!));
    const device = await googleDevice(stack);
    const google = await provisionForGoogle(stack, customer, googleCardId, device);
    const googlePay = (google.body as unknown as { googlePay: GooglePayPayload }).googlePay;
    expect((await pushTokenize(stack, device, googlePay)).body.status).toBe('ACTIVE');
    for (const [wallet, cardId] of [
      ['GOOGLE_PAY', googleCardId],
      ['SAMSUNG_PAY', await cardIdOf(customer, maskPan(pans[5]!))],
    ] as const) {
      const webSession = await openWebSession(stack, wallet);
      const pushed = await pushFromWeb(stack, customer, cardId, wallet, webSession);
      const { web, enrollmentId: webEnrollment } = pushed.body as unknown as {
        web: WebPushDelivery;
        enrollmentId: string;
      };
      expect((await addFromWeb(stack, wallet, webSession, web)).body.status).toBe('ACTIVE');
      await enrollmentReaches(customer, webEnrollment, 'COMPLETED');
    }

    // Every workflow of this run, as Temporal stores it.
    const codec = new EncryptionCodec(stack.keys.payload);
    const stored: string[] = [];
    const decoded: string[] = [];
    let workflows = 0;
    let patchMarkers = 0;
    for await (const execution of stack.client.workflow.list()) {
      workflows += 1;
      stored.push(execution.workflowId, JSON.stringify(execution.searchAttributes));
      const history = await stack.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      // Search attributes are indexed in the clear by design, and the SDK's local-activity markers carry
      // their own bookkeeping (sequence, attempt, activity type, times) in the clear: both are checked for
      // card data below, not for encryption. The markers' results are ordinary payloads. A patch marker
      // (patched() in the workflow) is written whole by the SDK, past the codec: its details name the
      // patch, a constant of the workflow code, and are checked to hold nothing else.
      for (const event of history.events ?? []) {
        if (event.markerRecordedEventAttributes?.markerName !== 'core_patch') continue;
        const details = Object.values(event.markerRecordedEventAttributes.details ?? {}).flatMap((value) =>
          payloadsIn(value).map((payload) => JSON.parse(Buffer.from(payload.data!).toString()) as unknown),
        );
        expect(details).toHaveLength(1);
        const [marker] = details as { id: string; deprecated: boolean }[];
        expect([knownPatches.includes(marker!.id), marker!.deprecated]).toEqual([true, false]);
        patchMarkers += 1;
      }
      const events = (history.events ?? []).map((event) => ({
        ...event,
        markerRecordedEventAttributes: event.markerRecordedEventAttributes && {
          ...event.markerRecordedEventAttributes,
          details:
            event.markerRecordedEventAttributes.markerName === 'core_patch'
              ? {}
              : Object.fromEntries(
                  Object.entries(event.markerRecordedEventAttributes.details ?? {}).filter(([name]) => name !== 'data'),
                ),
        },
        upsertWorkflowSearchAttributesEventAttributes: undefined,
        workflowExecutionStartedEventAttributes: event.workflowExecutionStartedEventAttributes && {
          ...event.workflowExecutionStartedEventAttributes,
          searchAttributes: undefined,
        },
      }));
      const payloads = payloadsIn(events);
      expect(payloads.length).toBeGreaterThan(0);
      expect(payloads.filter((payload) => !isEncrypted(payload))).toEqual([]);
      stored.push(...historyTexts(history));
      decoded.push(...(await decodedPayloadTexts(history, codec)));
    }
    expect(workflows).toBeGreaterThanOrEqual(4);
    expect(patchMarkers).toBeGreaterThanOrEqual(3); // the check above ran

    // Every row of every table, bytes (ciphertexts) checked for the PANs themselves.
    const { rows: tables } = await stack.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    );
    const database: string[] = [];
    for (const { table_name: table } of tables) {
      const { rows } = await stack.pool.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
      for (const row of rows) {
        database.push(
          JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? `<${value.length} bytes>` : value)),
          ...Object.values(row)
            .filter((value): value is Buffer => Buffer.isBuffer(value))
            .map((bytes) => bytes.toString('latin1')),
        );
      }
    }
    expect(tables.map((table) => table.table_name)).toEqual(
      expect.arrayContaining(['vault_cards', 'token_inventory', 'push_receipts']),
    );

    const ledgers: string[] = [];
    for (const url of Object.values(stack.sandbox.urls)) {
      ledgers.push(await (await fetch(`${url}/sandbox/ledger`)).text());
    }
    expect(ledgers.join('\n')).toContain('wallet.tokenize.result');

    const places = {
      stored: stored.join('\n'),
      decoded: decoded.join('\n'),
      log: apiLog.text(),
      database: database.join('\n'),
      ledgers: ledgers.join('\n'),
    };
    expect(places.log).toContain('request completed');
    for (const [place, text] of Object.entries(places)) {
      for (const pan of pans) expect([place, text.includes(pan)]).toEqual([place, false]);
    }
    for (const place of ['stored', 'decoded', 'log', 'ledgers'] as const)
      expect([place, luhnRuns(places[place])]).toEqual([place, []]);
    expect(luhnRuns(database.filter((text) => text.startsWith('{')).join('\n'))).toEqual([]);
  }, 120_000);
});

describe('payload keys', () => {
  it('rotate without losing the past: old histories still decode and replay with the new key ring', async () => {
    const executions = [];
    for await (const found of stack.client.workflow.list({ query: "EnrollmentStatus = 'COMPLETED'" }))
      executions.push(found);
    const [execution] = executions;
    expect(execution).toBeDefined();
    const history = await stack.client.workflow.getHandle(execution!.workflowId).fetchHistory();
    const rotatedDir = await mkdtemp(path.join(tmpdir(), 'pushprov-rotated-'));
    try {
      await cp(path.join(stack.keysDir, 'payload'), rotatedDir, { recursive: true });
      const newKid = await SymmetricKeyRing.rotate(rotatedDir);
      const rotated = await SymmetricKeyRing.open(rotatedDir);
      expect(rotated.current.kid).toBe(newKid);
      const decoded = (await decodedPayloadTexts(history, new EncryptionCodec(rotated))).join('\n');
      expect(decoded).toContain('COMPLETED');
      await Worker.runReplayHistory(
        { workflowBundle: await bundleEnrollmentWorkflows(), dataConverter: temporalDataConverter(rotated) },
        history,
        execution!.workflowId,
      );
    } finally {
      await rm(rotatedDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('a leak detector that can fail', () => {
  it('finds a Luhn-valid run standing alone, and ignores one inside a reference', () => {
    expect(luhnRuns(`{"pan":"${pans[0]!}"}`)).toEqual([pans[0]]);
    expect(luhnRuns(`DWSPMC${pans[0]!}A`)).toEqual([]);
    expect(luhnRuns(`id-${randomUUID()}`)).toEqual([]);
  });
});
