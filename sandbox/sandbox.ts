/**
 * The whole sandbox in one process: MDES, VTS and the token requestors, each on its own listener with
 * its own ledger and knobs, sharing one key folder. Used by `npm start`, by `npm run sandbox` (alone)
 * and by the tests (in process, on free ports).
 */
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { drainAndClose, registerDraining } from '../lifecycle/http-draining.js';
import { createMdesSandbox } from './mdes/server.js';
import { KnobsSchema, type Knobs, type KnobsInput } from './knobs.js';
import { openSandboxKeys, writeIssuerCredentials, type SandboxKeys } from './keys.js';
import { tokeniseWithAccount, type AccountTokenisationRequest } from './network/account-tokenization.js';
import { Ledger } from './network/ledger.js';
import type { TokenisationResult } from './network/tokenization.js';
import { tokenRequestors as tokenRequestorCatalogue } from './token-requestors/catalogue.js';
import { openTokenRequestorCredentials } from './token-requestors/credentials.js';
import { createTokenRequestorSandbox } from './token-requestors/server.js';
import { createVtsSandbox } from './vts/server.js';
import { openApplePayPki } from './wallets/apple-pay/wallet-onboarding.js';
import { openGoogleWalletKeys } from './wallets/google-pay/google-wallet-keys.js';
import { writeWalletCredentials } from './wallets/wallet-credentials.js';

export type SandboxName = 'mdes' | 'vts' | 'tokenRequestors';

export interface SandboxOptions {
  /** Keys, the issuer's credentials document and the ledgers live here. */
  dataDir: string;
  host?: string;
  /** The host name others reach the sandbox by (in its URLs and the issuer credentials); `host` by default. */
  advertisedHost?: string;
  /** 0 (the default) picks a free port. */
  ports?: Partial<Record<SandboxName, number>>;
  /** The issuer's API, e.g. http://127.0.0.1:3000: its JWKS and callback endpoints hang from it by default. */
  issuerBaseUrl: string;
  issuerJwksUrl?: string;
  mdesCallbackBaseUrl?: string;
  vtsCallbackBaseUrl?: string;
  knobs?: Partial<Record<SandboxName, KnobsInput>>;
  /** Keep the ledgers in files (the default), so a restarted sandbox remembers its receipts and tokens. */
  persistLedgers?: boolean;
}

export interface RunningSandbox {
  urls: Record<SandboxName, string>;
  credentialsFile: string;
  /** The simulated wallets' onboarding for the issuer (`wallet-credentials.json`), beside `credentialsFile`. */
  walletCredentialsFile: string;
  keys: SandboxKeys;
  /**
   * A token requestor's tokenisation of a card it names by itself (a wallet server's, in this process), at
   * either network: as MDES's `tokenize` with `fundingAccountInfo.encryptedPayload` and Visa's
   * `provisionedTokens` with `encPaymentInstrument` do over HTTP, without their transport.
   */
  tokeniseWithAccount: Record<'mdes' | 'vts', (request: AccountTokenisationRequest) => Promise<TokenisationResult>>;
  /**
   * Waits until the notifications under way to the issuer are delivered (or given up); with a deadline, at
   * most that long, abandoning those still under way then. Resolves with whether none was abandoned.
   */
  settle(options?: { deadlineMs?: number }): Promise<boolean>;
  /**
   * Closes the servers, then settles. Calls under way are cut off, unless `drainDeadlineMs` is given (the
   * process's own shutdown): then draining and settling share that deadline, calls arriving meanwhile get
   * 503, and notifications still under way at the deadline are abandoned (the ledger says so), so that the
   * process exits before its supervisor kills it.
   */
  close(options?: { drainDeadlineMs?: number }): Promise<void>;
}

export async function startSandbox(options: SandboxOptions): Promise<RunningSandbox> {
  const host = options.host ?? '127.0.0.1';
  const keys = await openSandboxKeys(options.dataDir);
  const tokenRequestorCredentials = await openTokenRequestorCredentials(
    options.dataDir,
    tokenRequestorCatalogue.map((profile) => profile.tokenRequestorId),
  );
  const [applePayPki, googleWalletKeys] = await Promise.all([
    openApplePayPki(options.dataDir),
    openGoogleWalletKeys(options.dataDir),
  ]);
  const urls: Record<SandboxName, string> = { mdes: '', vts: '', tokenRequestors: '' };
  const ledger = (name: SandboxName): Ledger =>
    Ledger.open(options.persistLedgers === false ? undefined : path.join(options.dataDir, `ledger-${name}.jsonl`));
  const knobs = (name: SandboxName): { current: Knobs } => ({
    current: KnobsSchema.parse(options.knobs?.[name] ?? {}),
  });
  const issuer = options.issuerBaseUrl.replace(/\/$/, '');

  const mdes = createMdesSandbox({
    keys,
    tokenRequestorCredentials,
    ledger: ledger('mdes'),
    knobs: knobs('mdes'),
    tokenRequestorsBaseUrl: () => urls.tokenRequestors,
    issuerJwksUrl: () => options.issuerJwksUrl ?? `${issuer}/.well-known/jwks.json`,
    issuerCallbackBaseUrl: () => options.mdesCallbackBaseUrl ?? `${issuer}/networks/mdes`,
  });
  const vts = createVtsSandbox({
    keys,
    tokenRequestorCredentials,
    ledger: ledger('vts'),
    knobs: knobs('vts'),
    tokenRequestorsBaseUrl: () => urls.tokenRequestors,
    issuerJwksUrl: () => options.issuerJwksUrl ?? `${issuer}/.well-known/jwks.json`,
    issuerCallbackBaseUrl: () => options.vtsCallbackBaseUrl ?? `${issuer}/networks/vts`,
  });
  const tokenRequestors = createTokenRequestorSandbox({
    credentials: tokenRequestorCredentials,
    ledger: ledger('tokenRequestors'),
    knobs: knobs('tokenRequestors'),
    mdesBaseUrl: () => urls.mdes,
    vtsBaseUrl: () => urls.vts,
    applePay: { pki: applePayPki, networkKeys: keys },
    googlePay: { keys: googleWalletKeys },
    issuerJwksUrl: () => options.issuerJwksUrl ?? `${issuer}/.well-known/jwks.json`,
  });

  const apps: [SandboxName, FastifyInstance][] = [
    ['mdes', mdes.app],
    ['vts', vts.app],
    ['tokenRequestors', tokenRequestors.app],
  ];
  for (const [, app] of apps) registerDraining(app);
  const listening: FastifyInstance[] = [];
  try {
    for (const [name, app] of apps) {
      await app.listen({ host, port: options.ports?.[name] ?? 0 });
      const { port } = app.server.address() as { port: number };
      urls[name] = `http://${options.advertisedHost ?? host}:${port}`;
      listening.push(app);
    }
  } catch (error) {
    await Promise.all(listening.map((app) => app.close()));
    const code = (error as NodeJS.ErrnoException).code;
    throw code === 'EADDRINUSE' ? new Error(`A sandbox port is in use (${(error as Error).message})`) : error;
  }
  const credentialsFile = await writeIssuerCredentials(options.dataDir, keys, {
    mdesBaseUrl: urls.mdes,
    vtsBaseUrl: urls.vts,
  });
  const walletCredentialsFile = await writeWalletCredentials(options.dataDir, {
    applePay: applePayPki,
    googlePay: googleWalletKeys,
    tokenRequestorsBaseUrl: urls.tokenRequestors,
  });

  const settle = async ({ deadlineMs }: { deadlineMs?: number } = {}): Promise<boolean> => {
    const settled = await Promise.all([mdes.callbacks.idle(deadlineMs), vts.callbacks.idle(deadlineMs)]);
    return settled.every(Boolean);
  };
  return {
    urls,
    credentialsFile,
    walletCredentialsFile,
    keys,
    tokeniseWithAccount: {
      mdes: (request) => tokeniseWithAccount(mdes.tokenisation, request),
      vts: (request) => tokeniseWithAccount(vts.tokenisation, request),
    },
    settle,
    async close({ drainDeadlineMs } = {}) {
      if (drainDeadlineMs === undefined) {
        await Promise.all(apps.map(([, app]) => app.close()));
        await settle();
        return;
      }
      const deadline = Date.now() + drainDeadlineMs;
      await Promise.all(apps.map(([, app]) => drainAndClose(app, drainDeadlineMs)));
      if (!(await settle({ deadlineMs: Math.max(0, deadline - Date.now()) }))) {
        console.warn(
          `notifications to the issuer still under way after ${drainDeadlineMs / 1000} s were abandoned (see the ledgers)`,
        );
      }
    },
  };
}
