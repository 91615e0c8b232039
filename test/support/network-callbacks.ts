// The issuer API's network callbacks without servers: the sandbox's own keys sign each call as MDES and
// Visa do, an in-memory PostgreSQL stand-in answers the three queries the callbacks make (the replay guard,
// the receipts, the inventory), and a Temporal stand-in records what is delivered to enrollments.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { CompactSign, type CompactJWSHeaderParameters } from 'jose';
import type { Pool } from 'pg';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import { buildApp } from '../../api/app.js';
import type { EnrollmentView } from '../../domain/enrollment.js';
import { openSandboxKeys, writeIssuerCredentials, type SandboxKeys } from '../../sandbox/keys.js';
import { decisionDefaults } from './decision-defaults.js';

export const wallet = '50110030273';
export const mdesReceipt = 'MCC-9a1f3c2e-5d4b-4c8e-9f10-2b3c4d5e6f70';
export const vtsReceipt = 'VTS-1b2c3d4e-5f60-4718-9a2b-3c4d5e6f7081';
export const mdesPath = '/networks/mdes/issuerServices/1/0';
export const vtsPath = '/networks/vts';
/** The address `app.inject` calls (its default Host), as a network signs it. */
export const injectedOrigin = 'http://localhost:80';

/** What a scenario's callbacks did to the world: signals sent to enrollments, rows written to the inventory. */
export interface Effects {
  signals: unknown[];
  inventory: unknown[][];
  claimed: Map<string, number>;
  /** The decisions recorded, and the webhook events published (each insert's parameters). */
  decisions: unknown[][];
  events: unknown[][];
}

/** An in-memory stand-in for the pool, answering exactly the queries the callbacks and the replay guard make. */
export function inMemoryPool(effects: Effects, receipts: Record<string, { network: string; enrollmentId: string }>) {
  const query = (sql: string, params: unknown[] = []): Promise<{ rows: unknown[]; rowCount: number }> => {
    if (sql.includes('INTO single_use_values')) {
      // claimSingleUse: first claim within the validity wins; an expired one may be claimed again.
      const [scope, value, expiresAt] = params as [string, string, Date];
      const key = `${scope}\u0000${value}`;
      const now = Date.now();
      const held = effects.claimed.get(key);
      if (expiresAt.getTime() <= now || (held !== undefined && held > now)) return Promise.resolve(none);
      effects.claimed.set(key, expiresAt.getTime());
      return Promise.resolve({ rows: [{}], rowCount: 1 });
    }
    if (sql.includes('FROM push_receipts') && sql.includes('token_unique_reference = $2')) {
      // A token named without its receipt: none is bound here.
      return Promise.resolve(none);
    }
    if (sql.trimStart().startsWith('SELECT') && sql.includes('FROM push_receipts')) {
      const [receipt, network] = params as [string, string];
      const found = receipts[receipt];
      if (typeof receipt !== 'string' || !found || found.network !== network) return Promise.resolve(none);
      const row = {
        enrollment_id: found.enrollmentId,
        token_requestor_id: wallet,
        card_ref: 'card-ref-1',
        customer_id: 'customer-1',
        expires_at: new Date(Date.now() + 10 * 60_000),
      };
      return Promise.resolve({ rows: [row], rowCount: 1 });
    }
    if (sql.trimStart().startsWith('UPDATE push_receipts SET token_unique_reference')) {
      // Binding a reported token to its receipt: the receipts here take any token.
      return Promise.resolve({ rows: [], rowCount: 1 });
    }
    if (sql.includes('INTO webhook_events')) {
      // An event published (with the decision it reports).
      effects.events.push(params);
      return Promise.resolve({ rows: [{ event_id: `event-${effects.events.length}` }], rowCount: 1 });
    }
    if (sql.includes('INTO tokenisation_decisions')) {
      // The decision recorded: as the table would return it (its columns in the insert's order).
      const columns = [
        'decision_id',
        'network',
        'token_unique_reference',
        'token_requestor_id',
        'card_ref',
        'customer_id',
        'enrollment_id',
        'source',
        'outcome',
        'reasons',
        'matched_rules',
        'facts',
        'rules_version',
        'fail_safe',
        'latency_ms',
        'activation',
      ];
      effects.decisions.push(params);
      const row = Object.fromEntries(columns.map((column, index) => [column, params[index] ?? null]));
      return Promise.resolve({ rows: [{ ...row, decided_at: new Date() }], rowCount: 1 });
    }
    if (sql.includes('tokenisation_decisions') || sql.includes('FROM vault_cards')) {
      // No decision made before, no card standing kept, no tokenisation counted.
      return Promise.resolve(none);
    }
    if (sql.includes('FROM enrollment_views')) {
      // No view recorded: the enrollment is asked (the stand-in below), as for one that recorded none yet.
      return Promise.resolve(none);
    }
    if (sql.includes('INTO token_inventory')) {
      effects.inventory.push(params);
      return Promise.resolve({ rows: [], rowCount: 1 });
    }
    throw new Error(`The in-memory pool does not know this query: ${sql.slice(0, 60)}`);
  };
  return { query } as unknown as Pool;
}

const none = { rows: [], rowCount: 0 };

/** A Temporal stand-in: the enrollment waits for its token requestor, and records the signals it gets. */
export function waitingEnrollments(effects: Effects, receipts: string[]): Client {
  const view = {
    status: 'AWAITING_TOKEN_REQUESTOR',
    cards: receipts.map((receipt) => ({ receipt, state: 'PUSHED' })),
  } as unknown as EnrollmentView;
  const handle = {
    query: () => Promise.resolve(view),
    signal: (_signal: unknown, update: unknown) => {
      effects.signals.push(update);
      return Promise.resolve();
    },
  };
  // Only enrollments run here: a token's activation (a YELLOW decision's) is no workflow of this world.
  const getHandle = (workflowId: string) => {
    if (workflowId.startsWith('token-activation:')) {
      const notFound = () => Promise.reject(new WorkflowNotFoundError('no activation here', workflowId, undefined));
      return { query: notFound, signal: notFound };
    }
    return handle;
  };
  return { workflow: { getHandle } } as unknown as Client;
}

export interface CallbackWorld {
  keys: SandboxKeys;
  credentials: NetworkCredentials;
  effects: Effects;
  app: Awaited<ReturnType<typeof buildApp>>;
  close(): Promise<void>;
}

/** The API with its callbacks, the sandbox's keys and credentials, and stand-ins for PostgreSQL and Temporal. */
export async function callbackWorld(): Promise<CallbackWorld> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-callbacks-'));
  const keys = await openSandboxKeys(dir);
  const credentials = await NetworkCredentials.load({
    file: await writeIssuerCredentials(dir, keys, {
      mdesBaseUrl: 'http://127.0.0.1:1',
      vtsBaseUrl: 'http://127.0.0.1:2',
    }),
  });
  const effects: Effects = { signals: [], inventory: [], claimed: new Map(), decisions: [], events: [] };
  const pool = inMemoryPool(effects, {
    [mdesReceipt]: { network: 'MASTERCARD', enrollmentId: 'enrollment-mdes' },
    [vtsReceipt]: { network: 'VISA', enrollmentId: 'enrollment-vts' },
  });
  const temporal = waitingEnrollments(effects, [mdesReceipt, vtsReceipt]);
  const app = await buildApp(
    {
      readinessChecks: {},
      callbacks: { credentials, pool, temporal, fingerprintKeys: [], ...decisionDefaults },
      rateLimitPerMinute: 1_000_000,
      failedAuthenticationsPerMinute: 1_000_000,
    },
    { logger: false },
  );
  return {
    keys,
    credentials,
    effects,
    app,
    async close() {
      await app.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** MDES's Authorization header for a call to the issuer, as its gateway signs it. */
export function mdesSigned(keys: SandboxKeys, url: string, body: string): string {
  return mdesAuthorizationHeader(url, 'POST', body, {
    consumerKey: keys.mdes.signing.kid,
    signingKeyPem: keys.mdes.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
}

const OAuthSigner = createRequire(import.meta.url)('mastercard-oauth1-signer') as { getNonce: () => string };

/** The same, with a nonce of our choosing (Mastercard's signer draws its own). */
export function mdesSignedWithNonce(keys: SandboxKeys, url: string, body: string, nonce: string): string {
  const drawn = OAuthSigner.getNonce;
  OAuthSigner.getNonce = () => nonce;
  try {
    return mdesSigned(keys, url, body);
  } finally {
    OAuthSigner.getNonce = drawn;
  }
}

/** A Visa notification: any JSON encrypted for the issuer (shared secret), then signed by Visa (PS256). */
export async function vtsNotification(
  keys: SandboxKeys,
  plaintext: unknown,
  header: Partial<CompactJWSHeaderParameters> & { iat?: number } = {},
): Promise<string> {
  const jwe = await vtsSharedSecretJwe.encrypt(plaintext, {
    apiKey: keys.vts.issuerApiKey,
    sharedSecret: keys.vts.issuerSharedSecret,
  });
  return vtsSigned(keys, jwe, header);
}

/** Visa's signature (PS256, cty JWE) over a payload as given. */
export function vtsSigned(
  keys: SandboxKeys,
  payload: string,
  header: Partial<CompactJWSHeaderParameters> & { iat?: number } = {},
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({
      alg: 'PS256',
      kid: keys.vts.signing.kid,
      cty: 'JWE',
      typ: 'JOSE',
      iat: Math.floor(Date.now() / 1000),
      ...header,
    })
    .sign(keys.vts.signing.privateKey);
}

export const mdesAuthorization = (requestId: string, receipt = mdesReceipt): object => ({
  requestId,
  correlationId: 'c0ffee',
  tokenRequestorId: wallet,
  pushAccountReceipt: receipt,
  pushAccountId: 'pa-1',
  tokenType: 'CLOUD',
  activeTokenCount: 0,
});

export const mdesNotification = (requestId: string, receipt = mdesReceipt): object => ({
  requestId,
  reasonCode: 'STATUS_UPDATE',
  tokens: [
    {
      tokenUniqueReference: 'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
      tokenRequestorId: wallet,
      pushAccountReceipt: receipt,
      status: 'ACTIVE',
      eventReasonCode: 'TOKEN_ACTIVATED',
      suspendedBy: [],
      statusTimestamp: new Date().toISOString(),
    },
  ],
});

export const vtsAuthorization = (correlationId: string, receipt = vtsReceipt): object => ({
  eventType: 'PROVISIONING_DECISION',
  correlationId,
  clientReferenceID: 'ref-1',
  tokenRequestorID: wallet,
  pushReceipt: receipt,
  clientCardID: 'card-1',
  tokenType: 'CLOUD',
});

export const vtsTokenNotification = (receipt = vtsReceipt): object => ({
  eventType: 'TOKEN_STATUS_UPDATED',
  vProvisionedTokenID: '4a9c0e2f5b7d41e3a6c8b0d2f4e6a8c0',
  paymentAccountReference: 'V001XK2L9A8B7C6D5E4F3G2H1J0KL',
  tokenRequestorID: wallet,
  pushReceipt: receipt,
  tokenStatus: 'ACTIVE',
  statusTimestamp: new Date().toISOString(),
});
