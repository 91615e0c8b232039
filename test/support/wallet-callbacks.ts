// A wallet's tokenisation against the issuer's callbacks and the real PostgreSQL: the sandbox networks (which
// name the card by itself, encrypted for the issuer) calling the API on a port, a vault of the test's own,
// and a Temporal stand-in whose enrollments wait for their token requestor or have ended. Each network's way
// of asking the issuer is in one table; every card number a test draws is kept, for `expectNoCardNumbers`.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import pg from 'pg';
import { expect, inject } from 'vitest';
import { mdesFieldLevel, vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import { VaultKeys } from '../../activities/keys/vault-keys.js';
import { CardVault } from '../../activities/vault/card-vault.js';
import { buildApp } from '../../api/app.js';
import { recordWalletProvisioning } from '../../db/push-receipts.js';
import { luhnValid } from '../../domain/card-number.js';
import type { CardNetwork, EnrollmentStatus, TokenUpdate } from '../../domain/enrollment.js';
import type { TokenisationResult } from '../../sandbox/network/tokenization.js';
import type { WalletAssessment } from '../../sandbox/network/wallet-assessment.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import { randomCustomerId } from './api-caller.js';
import { freePort } from './free-port.js';
import { logLines } from './log-lines.js';
import { injectedOrigin, mdesPath, mdesSigned, vtsNotification, vtsPath, wallet } from './network-callbacks.js';
import { decisionDefaults } from './decision-defaults.js';

export const otherWallet = '50120041835'; // Orchard Pay: takes the same cards
export const expiry = { expiryMonth: 9, expiryYear: 2031 };

/** An authorizeService naming a card by itself, as a test varies it. */
export interface Asked {
  pan: string;
  expiry?: { expiryMonth: number; expiryYear: number };
  tokenRequestorId?: string;
  /** The token the network is creating; none when `null`. */
  token?: string | null;
  /** How the card reaches the issuer: encrypted for it, for another key, or altered on the way. */
  encryption?: 'for the issuer' | 'for another key' | 'altered';
}

export interface WalletCallbackWorld {
  pool: pg.Pool;
  sandbox: RunningSandbox;
  /** Where this network's sandbox answers. */
  sandboxUrl(network: CardNetwork): string;
  /** What Temporal holds: enrollments waiting (with their status and receipt), or ended. */
  enrollments: Map<string, { status: EnrollmentStatus; receipt: string } | 'ended'>;
  signals: { enrollmentId: string; update: TokenUpdate }[];
  /** The activations YELLOW decisions started (their workflow ids). */
  activations: string[];
  /** A new Luhn-valid card number of this network. */
  newPan(network: CardNetwork): string;
  newTokenReference(network: CardNetwork): string;
  /** A vaulted card of a new customer. */
  vaulted(network: CardNetwork): Promise<{ pan: string; cardRef: string; customerId: string }>;
  /** A vaulted card with a wallet provisioning of it, whose enrollment is as given. */
  provisioned(
    network: CardNetwork,
    options?: { tokenRequestorId?: string; expiresInMs?: number; status?: EnrollmentStatus },
  ): Promise<{ pan: string; cardRef: string; customerId: string; receipt: string; enrollmentId: string }>;
  /** The network tokenises the card for the token requestor, as a wallet asks it to (saying what it says). */
  tokenise(
    network: CardNetwork,
    pan: string,
    tokenRequestorId?: string,
    assessment?: WalletAssessment,
  ): Promise<TokenisationResult>;
  /** authorizeService as the network sends it, signed, straight to the issuer: its status, decision and reason. */
  ask(network: CardNetwork, asked: Asked): Promise<{ status: number; decision: unknown; reason: unknown }>;
  /** No card number drawn here is in a log line of the API or a row of any table; `logged` must be in the log. */
  expectNoCardNumbers(logged: string): Promise<void>;
  close(): Promise<void>;
}

/** What differs between the networks: their cards and tokens, their sandbox, how they name a card to the issuer. */
const networks: Record<
  CardNetwork,
  {
    bin: string;
    sandbox: 'mdes' | 'vts';
    newTokenReference: () => string;
    authorization(sandbox: RunningSandbox, asked: Asked & { token: string | null }): Promise<Injection>;
  }
> = {
  MASTERCARD: {
    bin: '520473',
    sandbox: 'mdes',
    newTokenReference: () => `DWSPMC00000000${randomBytes(16).toString('hex').toUpperCase()}`,
    async authorization(
      sandbox,
      { pan, expiry: { expiryMonth, expiryYear } = expiry, tokenRequestorId, token, encryption },
    ) {
      const certificatePem =
        encryption === 'for another key'
          ? createRsaKeyWithCertificate('not the issuer').certificatePem
          : sandbox.keys.mdes.issuerDecryption.certificatePem;
      const card = {
        accountNumber: pan,
        expiryMonth: String(expiryMonth).padStart(2, '0'),
        expiryYear: String(expiryYear % 100),
      };
      const cardInfo = await mdesFieldLevel.encrypt(card, { certificatePem });
      if (encryption === 'altered') cardInfo.encryptedData = alteredHex(cardInfo.encryptedData);
      const body = JSON.stringify({
        requestId: randomUUID(),
        correlationId: randomBytes(8).toString('hex'),
        tokenRequestorId,
        ...(token !== null && { tokenUniqueReference: token }),
        cardInfo,
        tokenType: 'CLOUD',
      });
      const url = `${mdesPath}/authorizeService`;
      const authorization = mdesSigned(sandbox.keys, injectedOrigin + url, body);
      return { url, headers: { 'content-type': 'application/json', authorization }, payload: body };
    },
  },
  VISA: {
    bin: '411111',
    sandbox: 'vts',
    newTokenReference: () => randomBytes(16).toString('hex'),
    async authorization(
      sandbox,
      { pan, expiry: { expiryMonth, expiryYear } = expiry, tokenRequestorId, token, encryption },
    ) {
      const issuer = { apiKey: sandbox.keys.vts.issuerApiKey, sharedSecret: sandbox.keys.vts.issuerSharedSecret };
      const party =
        encryption === 'for another key' ? { ...issuer, sharedSecret: 'another secret, not the issuer' } : issuer;
      const instrument = {
        accountNumber: pan,
        expirationDate: { month: String(expiryMonth).padStart(2, '0'), year: String(expiryYear) },
      };
      let encPaymentInstrument = await vtsSharedSecretJwe.encrypt(instrument, party);
      if (encryption === 'altered') {
        const parts = encPaymentInstrument.split('.');
        parts[3] = Buffer.from(alteredHex(Buffer.from(parts[3]!, 'base64url').toString('hex')), 'hex').toString(
          'base64url',
        );
        encPaymentInstrument = parts.join('.');
      }
      const payload = await vtsNotification(sandbox.keys, {
        eventType: 'PROVISIONING_DECISION',
        correlationId: randomBytes(8).toString('hex'),
        tokenRequestorID: tokenRequestorId,
        ...(token !== null && { vProvisionedTokenID: token }),
        encPaymentInstrument,
        tokenType: 'CLOUD',
      });
      return { url: `${vtsPath}/authorizeService`, headers: { 'content-type': 'application/jose' }, payload };
    },
  },
};

interface Injection {
  url: string;
  headers: Record<string, string>;
  payload: string;
}

/** Hex with its first byte changed. */
function alteredHex(hex: string): string {
  return `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
}

/** The Temporal stand-in: a query or a signal finds the enrollment while it waits, and no workflow once it ended. */
function temporalOf(world: Pick<WalletCallbackWorld, 'enrollments' | 'signals' | 'activations'>): Client {
  const getHandle = (enrollmentId: string) => {
    const open = () => {
      const enrollment = world.enrollments.get(enrollmentId);
      if (enrollment === undefined || enrollment === 'ended') {
        throw new WorkflowNotFoundError('The enrollment has ended', enrollmentId, undefined);
      }
      return enrollment;
    };
    return {
      query: () => {
        const { status, receipt } = open();
        return Promise.resolve({ status, cards: [{ receipt, state: 'PUSHED' }] });
      },
      signal: (_signal: unknown, update: TokenUpdate) => {
        open();
        world.signals.push({ enrollmentId, update });
        return Promise.resolve();
      },
    };
  };
  // A YELLOW decision starts the token's activation: kept, for the test to see.
  const start = (_workflow: unknown, options: { workflowId: string }) => {
    world.activations.push(options.workflowId);
    return Promise.resolve();
  };
  return { workflow: { getHandle, start } } as unknown as Client;
}

export async function walletCallbackWorld(): Promise<WalletCallbackWorld> {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-wallet-callbacks-'));
  const vaultKeys = await VaultKeys.open(path.join(dir, 'vault'), { generateIfMissing: true });
  const vault = new CardVault(pool, vaultKeys);
  const port = await freePort();
  const sandbox = await startSandbox({
    dataDir: path.join(dir, 'sandbox'),
    issuerBaseUrl: `http://127.0.0.1:${port}`,
    persistLedgers: false,
  });
  const credentials = await NetworkCredentials.load({ file: sandbox.credentialsFile });
  const log = logLines();
  const pansUsed = new Set<string>();
  const state = { enrollments: new Map(), signals: [], activations: [] } as Pick<
    WalletCallbackWorld,
    'enrollments' | 'signals' | 'activations'
  >;
  const app = await buildApp(
    {
      readinessChecks: {},
      callbacks: {
        credentials,
        pool,
        temporal: temporalOf(state),
        fingerprintKeys: vaultKeys.fingerprintKeys,
        ...decisionDefaults,
      },
      rateLimitPerMinute: 1_000_000,
      failedAuthenticationsPerMinute: 1_000_000,
    },
    // Not the API's own logger, which masks card numbers: none may reach the logger at all.
    { logger: { level: 'trace', stream: log.stream } },
  );
  await app.listen({ host: '127.0.0.1', port });

  const world: WalletCallbackWorld = {
    pool,
    sandbox,
    sandboxUrl: (network) => sandbox.urls[networks[network].sandbox],
    ...state,
    newPan(network) {
      const body = `${networks[network].bin}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
      const pan = Array.from({ length: 10 }, (_, digit) => `${body}${digit}`).find(luhnValid)!;
      pansUsed.add(pan);
      return pan;
    },
    newTokenReference: (network) => networks[network].newTokenReference(),
    async vaulted(network) {
      const pan = world.newPan(network);
      const customerId = randomCustomerId();
      const card = await vault.store(customerId, { pan, ...expiry }, 'card-on-file');
      return { pan, cardRef: card.cardRef, customerId };
    },
    async provisioned(network, options = {}) {
      const card = await world.vaulted(network);
      const receipt = `WLT-${randomUUID()}`;
      const enrollmentId = `enrollment-${randomBytes(12).toString('hex')}`;
      await recordWalletProvisioning(pool, {
        receipt,
        network,
        enrollmentId,
        cardRef: card.cardRef,
        tokenRequestorId: options.tokenRequestorId ?? wallet,
        wallet: 'APPLE_PAY',
        expiresAt: new Date(Date.now() + (options.expiresInMs ?? 10 * 60_000)),
      });
      world.enrollments.set(enrollmentId, { status: options.status ?? 'AWAITING_TOKEN_REQUESTOR', receipt });
      return { ...card, receipt, enrollmentId };
    },
    tokenise: (network, pan, tokenRequestorId = wallet, assessment) =>
      sandbox.tokeniseWithAccount[networks[network].sandbox]({
        requestId: randomUUID(),
        tokenRequestorId,
        account: { accountNumber: pan, ...expiry },
        ...(assessment && { assessment }),
      }),
    async ask(network, asked) {
      const call = await networks[network].authorization(sandbox, {
        ...asked,
        tokenRequestorId: asked.tokenRequestorId ?? wallet,
        token: asked.token === undefined ? networks[network].newTokenReference() : asked.token,
      });
      const response = await app.inject({ method: 'POST', ...call });
      const answer = response.json<{ decision?: unknown; decisionReason?: unknown }>();
      return { status: response.statusCode, decision: answer.decision, reason: answer.decisionReason };
    },
    async expectNoCardNumbers(logged) {
      expect(pansUsed.size).toBeGreaterThan(5);
      const [text, stored] = [log.text(), await everyRow(pool)];
      expect(text).toContain(logged);
      expect(stored).toContain('APPLE_PAY');
      for (const pan of pansUsed) expect([pan, text.includes(pan), stored.includes(pan)]).toEqual([pan, false, false]);
    },
    async close() {
      await sandbox.close();
      await app.close();
      await pool.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Every row of every table as text, bytes (ciphertexts, fingerprints) as they are. */
export async function everyRow(pool: pg.Pool): Promise<string> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
  );
  const database: string[] = [];
  for (const { table_name: table } of tables) {
    const { rows } = await pool.query<Record<string, unknown>>(`SELECT * FROM "${table}"`);
    for (const row of rows) {
      database.push(
        JSON.stringify(row, (_key, value: unknown) => (Buffer.isBuffer(value) ? value.toString('latin1') : value)),
      );
    }
  }
  return database.join('\n');
}
