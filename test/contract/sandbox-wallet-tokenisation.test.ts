// A wallet's tokenisation at the sandbox networks: a card the token requestor names by itself, with no
// receipt. Each network asks the issuer with the card encrypted for the issuer (MDES: field-level to the
// issuer's own key; Visa: a JWE under the issuer's shared secret), which the engine's own descriptors open,
// creates the token when approved, and notifies the issuer by the token alone. Its ledger never holds the
// card number. Over HTTP, the network first checks the issuer's activation data (MDES: the TAV over the
// card; Visa: the issuer's proof). And the keys: a key file of an older sandbox gains the issuer's wallet
// keys on open.
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../../activities/crypto/encryption/fingerprints.js';
import { mdesFieldLevel, vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import type { NetworkCallbacks } from '../../activities/networks/callback-descriptor.js';
import { mdesCallbacks } from '../../activities/networks/mdes/callbacks.js';
import { createTav } from '../../activities/networks/mdes/tav.js';
import { vtsCallbacks } from '../../activities/networks/vts/callbacks.js';
import { maskPan } from '../../domain/card-number.js';
import { keysFileName, openSandboxKeys, writeIssuerCredentials } from '../../sandbox/keys.js';
import { mdesTokenRequestorCalls } from '../../sandbox/mdes/token-requestor-calls.js';
import { mdesPaths } from '../../sandbox/mdes/server.js';
import type { AccountTokenisationRequest } from '../../sandbox/network/account-tokenization.js';
import { openTokenRequestorCredentials } from '../../sandbox/token-requestors/credentials.js';
import type { TokenRequestorNetworkCalls } from '../../sandbox/token-requestors/network-calls.js';
import { vtsTokenRequestorCalls } from '../../sandbox/vts/token-requestor-calls.js';
import { vtsPaths } from '../../sandbox/vts/server.js';
import { startHarness, type Harness, type ReceivedCallback } from '../support/sandbox-harness.js';

const wallet = '50110030273';
const expiry = { expiryMonth: 9, expiryYear: 2031 };

let harness: Harness;
/** The last activation data a Visa tokenisation over HTTP carried. */
let usedVisaProof = '';

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

type Network = 'mdes' | 'vts';
type Payload = Record<string, unknown>;

/** What differs between the networks: their cards, the engine's descriptor, and where their messages name things. */
const networks: Record<
  Network,
  {
    pans: [string, string];
    /** A card of the other network. */
    foreignPan: string;
    callbacks: NetworkCallbacks;
    requestIdOf(authorization: Payload): unknown;
    encryptedAccountOf(authorization: Payload): unknown;
    receiptOf(message: Payload): unknown;
    tokenOf(message: Payload): unknown;
    /**
     * A token requestor's HTTP call tokenising a card named by itself, the card encrypted for the network, with
     * the issuer's activation data for it (or another card's, or none).
     */
    httpTokenisation(
      request: AccountTokenisationRequest,
      options?: { encryptFor?: 'a stranger'; activation?: 'another card' | 'none' },
    ): Promise<{ path: string; body: object }>;
    httpToken(answer: Payload): unknown;
    tokenRequestorCalls: () => TokenRequestorNetworkCalls;
  }
> = {
  mdes: {
    pans: ['5204731600014792', '5555555555554444'],
    foreignPan: '4111111111111111',
    callbacks: mdesCallbacks,
    requestIdOf: (authorization) => authorization.requestId,
    encryptedAccountOf: (authorization) => authorization.cardInfo,
    receiptOf: (message) =>
      message.pushAccountReceipt ?? (message.tokens as Payload[] | undefined)?.[0]?.pushAccountReceipt,
    tokenOf: (message) =>
      message.tokenUniqueReference ?? (message.tokens as Payload[] | undefined)?.[0]?.tokenUniqueReference,
    async httpTokenisation({ requestId, tokenRequestorId, account }, { encryptFor, activation } = {}) {
      const certificatePem = encryptFor
        ? createRsaKeyWithCertificate('not MDES').certificatePem
        : harness.credentials.currentEncryptionKey('mdes').certificatePem!;
      const cardAccountData = {
        accountNumber: account.accountNumber,
        expiryMonth: String(account.expiryMonth).padStart(2, '0'),
        expiryYear: String(account.expiryYear % 100),
      };
      const encryptedPayload = await mdesFieldLevel.encrypt(
        { cardAccountData, source: 'CARD_ADDED_VIA_APPLICATION' },
        { certificatePem },
      );
      const signed = activation === 'another card' ? { ...cardAccountData, expiryYear: '39' } : cardAccountData;
      const tokenizationAuthenticationValue = await createTav(signed, harness.credentials.mdes.tavSigningKey!);
      return {
        path: mdesPaths.tokenize,
        body: {
          requestId,
          tokenRequestorId,
          tokenType: 'CLOUD',
          fundingAccountInfo: { encryptedPayload },
          ...(activation !== 'none' && { tokenizationAuthenticationValue }),
        },
      };
    },
    httpToken: (answer) => answer.tokenUniqueReference,
    tokenRequestorCalls: mdesTokenRequestorCalls,
  },
  vts: {
    pans: ['4111111111111111', '4012888888881881'],
    foreignPan: '5204731600014792',
    callbacks: vtsCallbacks,
    requestIdOf: (authorization) => authorization.clientReferenceID,
    encryptedAccountOf: (authorization) => authorization.encPaymentInstrument,
    receiptOf: (message) => message.pushReceipt,
    tokenOf: (message) => message.vProvisionedTokenID,
    async httpTokenisation({ requestId, tokenRequestorId, account }, { encryptFor, activation } = {}) {
      const own = (await tokenRequestorCredentials()).get(tokenRequestorId)!.vts;
      const party = encryptFor ? { ...own, sharedSecret: 'not the shared secret of this one' } : own;
      const instrument = {
        accountNumber: account.accountNumber,
        expirationDate: { month: String(account.expiryMonth).padStart(2, '0'), year: String(account.expiryYear) },
      };
      // Visa's proof is about the issuer's provisioning reference; another card's is one Visa already saw used.
      const activationData = activation === 'another card' ? usedVisaProof : await harness.proof('WP-test', 'vts');
      return {
        path: vtsPaths.provisionedTokens,
        body: {
          clientReferenceID: requestId,
          tokenRequestorID: tokenRequestorId,
          encPaymentInstrument: await vtsSharedSecretJwe.encrypt(instrument, party),
          ...(activation !== 'none' && { activationData }),
        },
      };
    },
    httpToken: (answer) => answer.vProvisionedTokenID,
    tokenRequestorCalls: vtsTokenRequestorCalls,
  },
};

const cases = Object.keys(networks) as Network[];

function tokenisation(
  network: Network,
  overrides: Partial<AccountTokenisationRequest> = {},
): AccountTokenisationRequest {
  return {
    requestId: randomUUID(),
    tokenRequestorId: wallet,
    account: { accountNumber: networks[network].pans[0], ...expiry },
    ...overrides,
  };
}

function received(network: Network, name: string, matches: (payload: Payload) => boolean): ReceivedCallback[] {
  return harness.received.filter(
    (callback) => callback.network === network && callback.name === name && matches(callback.payload),
  );
}

const authorizationsOf = (network: Network, requestId: string): ReceivedCallback[] =>
  received(network, 'authorizeService', (payload) => networks[network].requestIdOf(payload) === requestId);

const notificationsOf = (network: Network, token: string): ReceivedCallback[] =>
  received(network, 'notifyTokenUpdated', (payload) => networks[network].tokenOf(payload) === token);

function tokenRequestorCredentials() {
  return openTokenRequestorCredentials(path.join(harness.dataDir, 'sandbox'), [wallet]);
}

/** A token requestor's call to a network over HTTP, signed with its own credentials. */
async function asTokenRequestor(
  network: Network,
  call: { path: string; body: object },
): Promise<{ status: number; answer: Payload }> {
  const credentials = (await tokenRequestorCredentials()).get(wallet)!;
  const text = JSON.stringify(call.body);
  const signed = networks[network]
    .tokenRequestorCalls()
    .sign(credentials, `${harness.sandbox.urls[network]}${call.path}`, text);
  const response = await fetch(signed.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: text,
  });
  return { status: response.status, answer: (await response.json()) as Payload };
}

describe('a tokenisation of a card named by itself', () => {
  it.each(cases)(
    '%s asks the issuer with the card encrypted for it and the new token, then notifies by the token alone',
    async (network) => {
      const request = tokenisation(network);
      const result = await harness.sandbox.tokeniseWithAccount[network](request);
      const pan = networks[network].pans[0];
      expect(result).toMatchObject({
        outcome: 'decided',
        decision: 'APPROVED',
        account: { maskedPan: maskPan(pan), panSuffix: pan.slice(-4), expiryMonth: '09', expiryYear: '31' },
        token: { status: 'ACTIVE', tokenRequestorId: wallet },
      });
      const token = result.outcome === 'decided' ? result.token! : undefined;
      expect(token?.receipt).toBeUndefined();

      const [asked, ...more] = authorizationsOf(network, request.requestId);
      expect(more).toEqual([]);
      expect(networks[network].receiptOf(asked!.payload)).toBeUndefined();
      expect(networks[network].tokenOf(asked!.payload)).toBe(token!.tokenUniqueReference);
      // The engine's own descriptor opens what the network sent, with the issuer's credentials alone.
      const encrypted = networks[network].encryptedAccountOf(asked!.payload);
      expect(JSON.stringify(asked!.payload)).not.toContain(pan);
      expect(await networks[network].callbacks.openAccount(encrypted, harness.credentials)).toEqual({
        accountNumber: pan,
        ...expiry,
      });

      await harness.sandbox.settle();
      const [notified, ...again] = notificationsOf(network, token!.tokenUniqueReference);
      expect(again).toEqual([]);
      expect(networks[network].receiptOf(notified!.payload)).toBeUndefined();
      expect(JSON.stringify(notified!.payload)).toContain('ACTIVE');

      const ledger = await harness.ledger(network);
      expect(ledger.filter((entry) => entry.kind === 'tokenize' && entry.requestId === request.requestId)).toHaveLength(
        1,
      );
      expect(JSON.stringify(ledger)).toContain(maskPan(pan));
      expect(JSON.stringify(ledger)).not.toContain(pan);
    },
  );

  it.each(cases)(
    '%s answers a requestId once: the same card again without asking, another card refused',
    async (network) => {
      const request = tokenisation(network);
      const [first, concurrent] = await Promise.all([
        harness.sandbox.tokeniseWithAccount[network](request),
        harness.sandbox.tokeniseWithAccount[network](request),
      ]);
      expect(concurrent).toEqual(first);
      expect(await harness.sandbox.tokeniseWithAccount[network](request)).toEqual(first);
      expect(authorizationsOf(network, request.requestId)).toHaveLength(1);
      const other = await harness.sandbox.tokeniseWithAccount[network]({
        ...request,
        account: { ...request.account, accountNumber: networks[network].pans[1] },
      });
      expect(other).toMatchObject({ outcome: 'refused', reason: 'REQUEST_ID_REUSED' });
      expect(authorizationsOf(network, request.requestId)).toHaveLength(1);
    },
  );

  it.each(cases)(
    '%s declines as the issuer decides, and by the tokenisation knob though the issuer approved: no token, no notification',
    async (network) => {
      // The earlier tests' notifications delivered first: none may follow from here.
      await harness.sandbox.settle();
      const notifications = () => harness.received.filter((callback) => callback.name === 'notifyTokenUpdated').length;
      const notified = notifications();
      harness.decision.current = 'DECLINED';
      try {
        const declined = await harness.sandbox.tokeniseWithAccount[network](tokenisation(network));
        expect(declined).toMatchObject({ outcome: 'decided', decision: 'DECLINED' });
        expect(declined).not.toHaveProperty('token');
      } finally {
        harness.decision.current = 'APPROVED';
      }
      await harness.knobs(network, { declines: { tokenisation: true } });
      try {
        const request = tokenisation(network);
        const overruled = await harness.sandbox.tokeniseWithAccount[network](request);
        expect(overruled).toMatchObject({ outcome: 'decided', decision: 'DECLINED' });
        expect(overruled).not.toHaveProperty('token');
        expect(authorizationsOf(network, request.requestId)).toHaveLength(1);
      } finally {
        await harness.knobs(network, { declines: { tokenisation: false } });
      }
      await harness.sandbox.settle();
      expect(notifications()).toBe(notified);
    },
  );

  it.each(cases)('%s refuses a card it does not take before asking the issuer, naming no number', async (network) => {
    const [pan] = networks[network].pans;
    for (const [account, reason] of [
      [{ accountNumber: `${pan.slice(0, -1)}${(Number(pan.at(-1)) + 1) % 10}`, ...expiry }, 'ACCOUNT_INVALID'],
      [{ accountNumber: pan, expiryMonth: 1, expiryYear: 2020 }, 'ACCOUNT_INVALID'],
      [{ accountNumber: networks[network].foreignPan, ...expiry }, 'ACCOUNT_INELIGIBLE'],
      [{ accountNumber: 'not a card', ...expiry }, 'ACCOUNT_INVALID'],
    ] as const) {
      const request = tokenisation(network, { account });
      const result = await harness.sandbox.tokeniseWithAccount[network](request);
      expect(result).toMatchObject({ outcome: 'refused', reason });
      expect(JSON.stringify(result)).not.toContain(account.accountNumber);
      expect(authorizationsOf(network, request.requestId)).toEqual([]);
    }
    const stranger = await harness.sandbox.tokeniseWithAccount[network](
      tokenisation(network, { tokenRequestorId: '59999999999' }),
    );
    expect(stranger).toMatchObject({ outcome: 'refused', reason: 'UNKNOWN_TOKEN_REQUESTOR' });
  });

  it.each(cases)(
    '%s takes it over HTTP as its own API names it, the card encrypted for the network, with the activation data',
    async (network) => {
      const request = tokenisation(network);
      const call = await networks[network].httpTokenisation(request);
      const { status, answer } = await asTokenRequestor(network, call);
      expect([status, answer.decision]).toEqual([200, 'APPROVED']);
      usedVisaProof = String((call.body as Payload).activationData);
      const token = networks[network].httpToken(answer);
      expect(typeof token).toBe('string');
      // A retry of the same tokenisation, with the same activation data, gets the same token.
      const retried = await asTokenRequestor(network, call);
      expect([retried.status, networks[network].httpToken(retried.answer)]).toEqual([200, token]);
      expect(
        authorizationsOf(network, request.requestId).map(({ payload }) => networks[network].tokenOf(payload)),
      ).toEqual([token]);
      const refused = await asTokenRequestor(
        network,
        await networks[network].httpTokenisation(tokenisation(network), { encryptFor: 'a stranger' }),
      );
      expect(JSON.stringify(refused.answer)).toMatch(/CRYPTOGRAPHY_ERROR|cryptographyError/);
      expect(JSON.stringify(refused.answer)).not.toContain(request.account.accountNumber);
    },
  );

  it.each(cases)(
    "%s refuses it over HTTP without the issuer's activation data, or with another card's, before asking the issuer",
    async (network) => {
      for (const [activation, refusal] of [
        ['none', /MISSING_REQUIRED_FIELD|invalidParameter/],
        ['another card', /tokenizationAuthenticationValue: The TAV's signature does not verify|invalidActivationData/],
      ] as const) {
        const request = tokenisation(network);
        const { status, answer } = await asTokenRequestor(
          network,
          await networks[network].httpTokenisation(request, { activation }),
        );
        expect([activation, answer.decision]).toEqual([activation, undefined]);
        expect([200, 400]).toContain(status);
        expect(JSON.stringify(answer)).toMatch(refusal);
        expect(JSON.stringify(answer)).toMatch(/activationData|tokenizationAuthenticationValue/);
        expect(JSON.stringify(answer)).not.toContain(request.account.accountNumber);
        expect(authorizationsOf(network, request.requestId)).toEqual([]);
      }
    },
  );
});

describe("the issuer's wallet keys", () => {
  it('are added to a key file written before them, the same for every later open, and handed to the issuer', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-old-keys-'));
    try {
      const current = await openSandboxKeys(dir);
      const file = path.join(dir, keysFileName);
      const stored = JSON.parse(await readFile(file, 'utf8')) as { mdes: Record<string, unknown> };
      const older = { ...stored, mdes: { ...stored.mdes } };
      for (const field of ['issuerDecryptionKeyPem', 'issuerDecryptionCertificatePem', 'issuerTavKeyPem']) {
        expect(older.mdes[field]).toEqual(expect.stringContaining('-----BEGIN '));
        delete older.mdes[field];
      }
      await writeFile(file, JSON.stringify(older));

      const [upgraded, alongside] = await Promise.all([openSandboxKeys(dir), openSandboxKeys(dir)]);
      const reopened = await openSandboxKeys(dir);
      expect(upgraded.mdes.signing.kid).toBe(current.mdes.signing.kid);
      for (const keys of [alongside, reopened]) {
        expect(keys.mdes.issuerDecryption.publicKey.equals(upgraded.mdes.issuerDecryption.publicKey)).toBe(true);
        expect(keys.mdes.issuerTavPublicKey.equals(upgraded.mdes.issuerTavPublicKey)).toBe(true);
      }
      expect(upgraded.mdes.issuerDecryption.publicKey.equals(current.mdes.issuerDecryption.publicKey)).toBe(false);

      const credentials = await NetworkCredentials.load({
        file: await writeIssuerCredentials(dir, reopened, {
          mdesBaseUrl: 'http://127.0.0.1:1',
          vtsBaseUrl: 'http://127.0.0.1:2',
        }),
      });
      const fingerprint = publicKeyFingerprint(reopened.mdes.issuerDecryption.publicKey);
      expect(credentials.issuerDecryptionKey('mdes', fingerprint)).toBeDefined();
      const tavPublic = credentials.mdes.tavSigningKey?.publicKey;
      expect(tavPublic?.equals(reopened.mdes.issuerTavPublicKey)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
