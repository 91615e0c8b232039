// The enrollment activities against the real PostgreSQL, with real keys and real OCR: the card vault,
// capture from each source, one-time codes, session assertions and the token inventory.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TesseractCardReader } from '../../activities/capture/tesseract-card-reader.js';
import {
  createEnrollmentActivities,
  sessionAssertionAudience,
} from '../../activities/enrollment/create-enrollment-activities.js';
import { signAuthenticationProof } from '../../activities/crypto/authentication-proof.js';
import type { EnrollmentActivities } from '../../activities/enrollment/activity-types.js';
import { type IssuerKeyStore } from '../../activities/keys/key-store.js';
import { VaultKeys } from '../../activities/keys/vault-keys.js';
import type { NetworkRegistry } from '../../activities/networks/registry.js';
import type { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import { CardVault } from '../../activities/vault/card-vault.js';
import type { CardSource } from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';
import { cardImagePng } from '../support/card-image.js';
import { openPlaceholderIssuerKeys } from '../support/placeholder-issuer-keys.js';

const pan = '5204731600014792';
const card = { pan, expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' };

let dir: string;
let pool: pg.Pool;
let keys: IssuerKeyStore;
let vault: CardVault;
let reader: TesseractCardReader;
let activities: EnrollmentActivities;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-activities-'));
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  keys = await openPlaceholderIssuerKeys(dir);
  vault = new CardVault(pool, keys.vault);
  reader = new TesseractCardReader();
  activities = createEnrollmentActivities({
    pool,
    vault,
    keys,
    // Capture, codes, assertions and the inventory never reach a network.
    networks: {} as NetworkRegistry,
    tokenRequestors: {} as TokenRequestorCache,
    cardReader: reader,
  });
}, 60_000);

afterAll(async () => {
  await reader?.close();
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
});

const customer = (): string => `customer-${randomUUID()}`;

async function failureOf(attempt: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await attempt.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

function capture(customerId: string, cards: CardSource[]): ReturnType<EnrollmentActivities['captureCards']> {
  return activities.captureCards({ enrollmentId: `enrollment-${randomUUID()}`, customerId, cards });
}

describe('the card vault', () => {
  it('stores a card encrypted, found again by its keyed fingerprint, shown as BIN and last four', async () => {
    const customerId = customer();
    const stored = await vault.store(customerId, card, 'manual');
    expect(stored).toMatchObject({
      maskedPan: '520473******4792',
      bin: '520473',
      last4: '4792',
      network: 'MASTERCARD',
    });
    expect((await vault.store(customerId, card, 'manual')).cardRef).toBe(stored.cardRef);
    const { rows } = await pool.query<Record<string, unknown>>('SELECT * FROM vault_cards WHERE card_ref = $1', [
      stored.cardRef,
    ]);
    expect(
      JSON.stringify(rows[0], (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1') : value)),
    ).not.toContain(pan);
    expect(await vault.reveal(stored.cardRef)).toEqual(card);
  });

  it('keeps decrypting old cards after the encryption key is rotated; new cards use the new key', async () => {
    const keysDir = path.join(dir, 'rotation');
    const before = await VaultKeys.open(keysDir, { generateIfMissing: true });
    const old = await new CardVault(pool, before).store(customer(), card, 'manual');
    const newKid = await VaultKeys.rotateEncryption(keysDir);
    const after = new CardVault(pool, await VaultKeys.open(keysDir));
    expect(await after.reveal(old.cardRef)).toEqual(card);
    const fresh = await after.store(customer(), card, 'manual');
    const { rows } = await pool.query<{ encryption_key_id: string }>(
      'SELECT encryption_key_id FROM vault_cards WHERE card_ref = $1',
      [fresh.cardRef],
    );
    expect(rows[0]!.encryption_key_id).toBe(newKid);
  });

  it('refuses a ciphertext moved to another card row', async () => {
    const [first, second] = [
      await vault.store(customer(), card, 'manual'),
      await vault.store(customer(), { ...card, pan: '5555555555554444' }, 'manual'),
    ];
    await pool.query(
      'UPDATE vault_cards SET card_ciphertext = (SELECT card_ciphertext FROM vault_cards WHERE card_ref = $1) WHERE card_ref = $2',
      [first.cardRef, second.cardRef],
    );
    await expect(vault.reveal(second.cardRef)).rejects.toThrow();
  });
});

describe('capturing cards', () => {
  it('takes a card on file only when it is the customer’s', async () => {
    const owner = customer();
    const stored = await vault.store(owner, card, 'card-on-file');
    const [captured] = await capture(owner, [{ method: 'card-on-file', cardId: stored.cardRef }]);
    expect(captured).toEqual({
      cardRef: stored.cardRef,
      maskedPan: '520473******4792',
      network: 'MASTERCARD',
      captureMethod: 'card-on-file',
      bin: '520473',
      requiresConfirmation: false,
    });
    const stranger = await failureOf(capture(customer(), [{ method: 'card-on-file', cardId: stored.cardRef }]));
    expect([stranger.type, stranger.nonRetryable, stranger.message]).toEqual([
      ErrorType.CardNotFound,
      true,
      "The card is not one of this customer's cards",
    ]);
  });

  it('vaults an entered card, erases what was staged, and gives a retried capture the same card', async () => {
    const customerId = customer();
    const captureId = await vault.stageCapture(customerId, { method: 'manual', card });
    const cards: CardSource[] = [{ method: 'manual', captureId }];
    const [first] = await capture(customerId, cards);
    const [retried] = await capture(customerId, cards);
    expect(retried).toEqual(first);
    expect(first).toMatchObject({
      maskedPan: '520473******4792',
      captureMethod: 'manual',
      requiresConfirmation: false,
    });
    const { rows } = await pool.query<{ payload_ciphertext: Buffer | null }>(
      'SELECT payload_ciphertext FROM card_captures WHERE capture_id = $1',
      [captureId],
    );
    expect(rows[0]!.payload_ciphertext).toBeNull();
  });

  it('refuses an entered card that fails the rules, naming the rule and never the number', async () => {
    const customerId = customer();
    const captureId = await vault.stageCapture(customerId, {
      method: 'manual',
      card: { ...card, pan: '5204731600014793' },
    });
    const failure = await failureOf(capture(customerId, [{ method: 'manual', captureId }]));
    expect([failure.type, failure.message]).toEqual([
      ErrorType.InvalidCard,
      'The card number is not valid (check digit)',
    ]);
    const gone = await failureOf(capture(customerId, [{ method: 'manual', captureId: randomUUID() }]));
    expect(gone.type).toBe(ErrorType.CardNotFound);
  });

  it('reads a photographed card with OCR and asks the consumer to confirm it', async () => {
    const customerId = customer();
    const png = await cardImagePng({ number: '4111 1111 1111 1111', expiry: '11/30', name: 'ADA LOVELACE' });
    const captureId = await vault.stageCapture(customerId, {
      method: 'ocr',
      image: { mediaType: 'image/png', base64: png.toString('base64') },
    });
    const [captured] = await capture(customerId, [{ method: 'ocr', captureId }]);
    expect(captured).toMatchObject({
      maskedPan: '411111******1111',
      network: 'VISA',
      captureMethod: 'ocr',
      requiresConfirmation: true,
    });
    expect(await vault.reveal(captured!.cardRef)).toEqual({
      pan: '4111111111111111',
      expiryMonth: 11,
      expiryYear: 2030,
      cardholderName: 'ADA LOVELACE',
    });
  }, 30_000);

  it('says so when a picture holds no readable card', async () => {
    const customerId = customer();
    const blank = await cardImagePng({ number: '', expiry: '', name: '' });
    const captureId = await vault.stageCapture(customerId, {
      method: 'ocr',
      image: { mediaType: 'image/png', base64: blank.toString('base64') },
    });
    const failure = await failureOf(capture(customerId, [{ method: 'ocr', captureId }]));
    expect([failure.type, failure.message]).toEqual([
      ErrorType.InvalidCard,
      'No card number and expiry could be read from the picture',
    ]);
  }, 30_000);

  it('refuses the same card twice in one enrollment', async () => {
    const customerId = customer();
    const stored = await vault.store(customerId, card, 'card-on-file');
    const failure = await failureOf(
      capture(customerId, [
        { method: 'card-on-file', cardId: stored.cardRef },
        { method: 'card-on-file', cardId: stored.cardRef },
      ]),
    );
    expect(failure.type).toBe(ErrorType.InvalidEnrollmentInput);
  });
});

describe('one-time codes', () => {
  it('delivers one code per send (a retried send repeats it) and keeps only its keyed hash', async () => {
    const customerId = customer();
    const enrollmentId = `enrollment-${randomUUID()}`;
    const sent = await activities.sendOneTimeCode({ enrollmentId, customerId, channel: 'sms', sequence: 1 });
    const again = await activities.sendOneTimeCode({ enrollmentId, customerId, channel: 'sms', sequence: 1 });
    expect(again).toEqual(sent);
    const { rows } = await pool.query<{ message: string }>('SELECT message FROM dev_inbox WHERE enrollment_id = $1', [
      enrollmentId,
    ]);
    expect(rows).toHaveLength(1);
    const code = /\b(\d{6})\b/.exec(rows[0]!.message)![1]!;
    expect(sent.codeHash).not.toContain(code);
    expect(await activities.checkOneTimeCode({ enrollmentId, code, codeHash: sent.codeHash })).toBe(true);
    const wrong = code === '000000' ? '000001' : '000000';
    expect(await activities.checkOneTimeCode({ enrollmentId, code: wrong, codeHash: sent.codeHash })).toBe(false);
    expect(await activities.checkOneTimeCode({ enrollmentId: 'another', code, codeHash: sent.codeHash })).toBe(false);
  });
});

describe('session assertions', () => {
  it('accept a fresh assertion about the customer once', async () => {
    const customerId = customer();
    const { token } = await signAuthenticationProof(keys.signing, {
      issuer: keys.networks.issuerId,
      subject: customerId,
      audience: sessionAssertionAudience,
      methods: ['fpt'],
    });
    const enrollmentId = `enrollment-${randomUUID()}`;
    expect(await activities.verifySessionAssertion({ enrollmentId, customerId, assertion: token })).toEqual({
      valid: true,
    });
    expect(await activities.verifySessionAssertion({ enrollmentId, customerId, assertion: token })).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/^REPLAYED/) as unknown,
    });
  });

  it('refuse an assertion about another customer, or for another audience', async () => {
    const sign = async (subject: string, audience: string): Promise<string> =>
      (
        await signAuthenticationProof(keys.signing, {
          issuer: keys.networks.issuerId,
          subject,
          audience,
          methods: ['fpt'],
        })
      ).token;
    const customerId = customer();
    const enrollmentId = `enrollment-${randomUUID()}`;
    expect(
      await activities.verifySessionAssertion({
        enrollmentId,
        customerId,
        assertion: await sign('someone-else', sessionAssertionAudience),
      }),
    ).toEqual({
      valid: false,
      reason: 'The assertion is about another customer',
    });
    expect(
      (await activities.verifySessionAssertion({ enrollmentId, customerId, assertion: await sign(customerId, 'MDES') }))
        .reason,
    ).toMatch(/^WRONG_AUDIENCE/);
  });
});

describe('the token inventory', () => {
  it('keeps the newest status of a token, whatever order the updates come in', async () => {
    const customerId = customer();
    const stored = await vault.store(customerId, card, 'card-on-file');
    const token = {
      enrollmentId: 'enrollment-inventory',
      customerId,
      cardRef: stored.cardRef,
      network: 'MASTERCARD' as const,
      tokenRequestorId: '50110030273',
      tokenUniqueReference: `DWSPMC${randomUUID()}`,
    };
    await activities.recordToken({ ...token, status: 'SUSPENDED', statusTimestamp: '2026-11-21T10:00:02Z' });
    await activities.recordToken({ ...token, status: 'ACTIVE', statusTimestamp: '2026-11-21T10:00:01Z' });
    const { rows } = await pool.query<{ status: string }>(
      'SELECT status FROM token_inventory WHERE token_unique_reference = $1',
      [token.tokenUniqueReference],
    );
    expect(rows).toEqual([{ status: 'SUSPENDED' }]);
  });
});
