// The sandbox's Apple Wallet alone, with a small issuer in front of the networks: its onboarding (the PKI
// kept across restarts, wallet-credentials.json beside the issuer's credentials), its sessions (a chain the
// engine's own check accepts, or refuses as asked), and what it does with a payload: opens it with the
// session's leaf key, takes only this session's nonce, takes one payload per session, tokenises at the
// card's network with the activation data, and refuses in JSON without ever quoting the card.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passKitPlaintext } from '../../activities/crypto/encryption/passkit-profiles.js';
import { walletPayloadProfiles } from '../../activities/crypto/encryption/profile-registry.js';
import { WalletCredentials } from '../../activities/keys/wallet-credentials.js';
import { createTav } from '../../activities/networks/mdes/tav.js';
import { verifyPassKitDeviceMaterial } from '../../activities/wallets/apple-pay/passkit-chain.js';
import { maskPan } from '../../domain/card-number.js';
import { WalletRequestRefused, type PassKitScheme } from '../../domain/wallets.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

const applePay = '50140052916';
const card = { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' };

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

interface Session {
  sessionId: string;
  certificates: string[];
  nonce: string;
  nonceSignature: string;
  encryptionScheme: PassKitScheme;
}

async function post(route: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${harness.sandbox.urls.tokenRequestors}/wallets/apple-pay${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function session(scheme: PassKitScheme, certificate?: string): Promise<Session> {
  const answer = await post('/devices/device-1/provisioning-sessions', { encryptionScheme: scheme, certificate });
  expect(answer.status).toBe(201);
  return answer.body as unknown as Session;
}

const bytes = (base64: string): Buffer => Buffer.from(base64, 'base64');

/** What the issuer builds for the session's device: the card for its leaf key, and Mastercard's TAV. */
async function payloadFor(target: Session, nonceOf: Session = target): Promise<Record<string, string>> {
  const leaf = new X509Certificate(bytes(target.certificates[0]!)).publicKey;
  const plaintext = passKitPlaintext(
    { pan: card.pan, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear, cardholderName: card.cardholderName },
    bytes(nonceOf.nonce),
    bytes(nonceOf.nonceSignature),
  );
  const encrypted = await walletPayloadProfiles[target.encryptionScheme](plaintext, leaf);
  const activationData = await createTav(
    { accountNumber: card.pan, expiryMonth: '09', expiryYear: '31' },
    harness.credentials.mdes.tavSigningKey!,
  );
  return { ...encrypted, activationData };
}

describe("the Apple Wallet's onboarding", () => {
  it('writes wallet-credentials.json beside the issuer credentials, and keeps its PKI across a restart', async () => {
    const dir = path.join(harness.dataDir, 'sandbox');
    const file = path.join(dir, 'wallet-credentials.json');
    expect(harness.sandbox.walletCredentialsFile).toBe(file);
    expect(path.dirname(harness.sandbox.credentialsFile)).toBe(dir);
    const document = JSON.parse(await readFile(file, 'utf8')) as {
      APPLE_PAY: { trustedRoots: string[]; tokenRequestorIds: Record<string, string> };
    };
    expect(document.APPLE_PAY.tokenRequestorIds).toEqual({ MASTERCARD: applePay, VISA: applePay });
    const onboarding = (await WalletCredentials.load({ file })).of('APPLE_PAY')!;
    expect(onboarding.trustedRoots).toHaveLength(1);

    const before = await session('ECC_V2');
    await harness.restartSandbox();
    const reloaded = JSON.parse(await readFile(file, 'utf8')) as typeof document;
    expect(reloaded.APPLE_PAY.trustedRoots).toEqual(document.APPLE_PAY.trustedRoots);
    for (const material of [before, await session('RSA_V2')]) {
      const verified = verifyPassKitDeviceMaterial(
        {
          certificates: material.certificates.map(bytes),
          nonce: bytes(material.nonce),
          nonceSignature: bytes(material.nonceSignature),
          scheme: material.encryptionScheme,
        },
        { roots: onboarding.trustedRoots },
        new Date(),
      );
      expect(verified.leafPublicKey.asymmetricKeyType).toBe(material.encryptionScheme === 'ECC_V2' ? 'ec' : 'rsa');
    }
    // A session is the wallet's memory only: the restarted wallet does not know the earlier one.
    const forgotten = await post(
      `/provisioning-sessions/${before.sessionId}/add-payment-pass`,
      await payloadFor(before),
    );
    expect([forgotten.status, forgotten.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
  });

  it.each(['untrusted', 'expired'])(
    'hands out a %s device certificate when asked, which the engine refuses',
    async (kind) => {
      const onboarding = (await WalletCredentials.load({ file: harness.sandbox.walletCredentialsFile })).of(
        'APPLE_PAY',
      )!;
      const material = await session('ECC_V2', kind);
      expect(() =>
        verifyPassKitDeviceMaterial(
          {
            certificates: material.certificates.map(bytes),
            nonce: bytes(material.nonce),
            nonceSignature: bytes(material.nonceSignature),
            scheme: 'ECC_V2',
          },
          { roots: onboarding.trustedRoots },
          new Date(),
        ),
      ).toThrow(WalletRequestRefused);
    },
  );
});

describe('a payload handed to the Apple Wallet', () => {
  it.each(['ECC_V2', 'RSA_V2'] as const)(
    '%s: opened, tokenised at the card network with the TAV, ACTIVE; the same session again is a replay',
    async (scheme) => {
      const target = await session(scheme);
      const payload = await payloadFor(target);
      const added = await post(`/provisioning-sessions/${target.sessionId}/add-payment-pass`, payload);
      expect(added).toMatchObject({
        status: 200,
        body: { status: 'ACTIVE', network: 'MASTERCARD', maskedPan: maskPan(card.pan) },
      });
      const again = await post(`/provisioning-sessions/${target.sessionId}/add-payment-pass`, payload);
      expect([again.status, again.body.code]).toEqual([409, 'PAYLOAD_REPLAYED']);
      const ledger = await harness.ledger('tokenRequestors', { sessionId: target.sessionId });
      expect(ledger.map((entry) => entry.kind)).toEqual([
        'wallet.session.opened',
        'wallet.payload.opened',
        'wallet.tokenize.requested',
        'wallet.tokenize.result',
        'wallet.payload.replayed',
      ]);
      expect(JSON.stringify(ledger)).not.toContain(card.pan);
    },
  );

  it("refuses another session's nonce, a payload that does not open, and malformed requests, naming no card", async () => {
    const [target, other] = [await session('ECC_V2'), await session('ECC_V2')];
    const foreign = await post(
      `/provisioning-sessions/${target.sessionId}/add-payment-pass`,
      await payloadFor(target, other),
    );
    expect([foreign.status, foreign.body.code]).toEqual([422, 'NONCE_MISMATCH']);

    const sealedForOther = await payloadFor(other);
    const third = await session('ECC_V2');
    const unreadable = await post(`/provisioning-sessions/${third.sessionId}/add-payment-pass`, sealedForOther);
    expect([unreadable.status, unreadable.body.code]).toEqual([422, 'PAYLOAD_UNREADABLE']);

    const fourth = await session('ECC_V2');
    const { ephemeralPublicKey: _dropped, ...withoutKey } = await payloadFor(fourth);
    const incomplete = await post(`/provisioning-sessions/${fourth.sessionId}/add-payment-pass`, withoutKey);
    expect([incomplete.status, incomplete.body.code]).toEqual([422, 'PAYLOAD_UNREADABLE']);

    const fifth = await session('RSA_V2');
    const invalid = await post(`/provisioning-sessions/${fifth.sessionId}/add-payment-pass`, {
      encryptedPassData: card.pan,
    });
    expect([invalid.status, invalid.body.code]).toEqual([400, 'INVALID_REQUEST']);
    const unknown = await post('/provisioning-sessions/00000000-0000-4000-8000-000000000000/add-payment-pass', {});
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    const badScheme = await post('/devices/device-1/provisioning-sessions', { encryptionScheme: 'RSA_V1' });
    expect([badScheme.status, badScheme.body.code]).toEqual([400, 'INVALID_REQUEST']);

    for (const answer of [foreign, unreadable, incomplete, invalid])
      expect(JSON.stringify(answer)).not.toContain(card.pan);
    expect(JSON.stringify(await harness.ledger('tokenRequestors'))).not.toContain(card.pan);
  });
});
