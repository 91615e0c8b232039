/**
 * A sandbox with a small issuer in front of it, for contract tests over real HTTP: the issuer publishes
 * its JWKS, verifies the networks' callbacks with the engine's own verifiers, records them and answers
 * authorizeService as the test says.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { signAuthenticationProof } from '../../activities/crypto/authentication-proof.js';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { openVtsNotification, verifyMdesCallback } from '../../activities/networks/issuer-callbacks.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import type { KnobsInput } from '../../sandbox/knobs.js';
import type { LedgerEntry } from '../../sandbox/network/ledger.js';
import { startSandbox, type RunningSandbox, type SandboxName } from '../../sandbox/sandbox.js';

export interface ReceivedCallback {
  network: 'mdes' | 'vts';
  name: string;
  payload: Record<string, unknown>;
}

export interface Harness {
  dataDir: string;
  sandbox: RunningSandbox;
  credentials: NetworkCredentials;
  signingKeys: IssuerSigningKeys;
  issuerUrl: string;
  /** Callbacks that verified, in arrival order. */
  received: ReceivedCallback[];
  /** Callbacks refused by the verifiers, with the reason. */
  refused: { network: string; name: string; reason: string }[];
  /** What the issuer answers to authorizeService. */
  decision: { current: 'APPROVED' | 'DECLINED' };
  proof(
    subject: string,
    network: 'mdes' | 'vts',
    overrides?: { lifetimeSeconds?: number; now?: Date },
  ): Promise<string>;
  ledger(sandbox: SandboxName, filter?: Record<string, string>): Promise<LedgerEntry[]>;
  /** A partial change of the knobs, as PATCH /sandbox/knobs takes it (null unsets a field). */
  knobs(sandbox: SandboxName, change: Record<string, unknown>): Promise<void>;
  restartSandbox(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(
  options: { knobs?: Partial<Record<SandboxName, KnobsInput>> } = {},
): Promise<Harness> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-sandbox-'));
  const signingKeys = await IssuerSigningKeys.open(path.join(dataDir, 'issuer-signing'), { generateIfMissing: true });
  const received: ReceivedCallback[] = [];
  const refused: Harness['refused'] = [];
  const decision: Harness['decision'] = { current: 'APPROVED' };
  const seen = new Set<string>();
  const claim = (value: string): Promise<boolean> => Promise.resolve(!seen.has(value) && Boolean(seen.add(value)));
  let credentials: NetworkCredentials | undefined;

  const issuer: FastifyInstance = Fastify();
  issuer.addContentTypeParser(['application/json', 'application/jose'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
  issuer.get('/.well-known/jwks.json', () => signingKeys.jwks());
  issuer.post('/networks/mdes/issuerServices/1/0/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    try {
      await verifyMdesCallback(
        {
          method: 'POST',
          url: `http://${request.headers.host}${request.url}`,
          body: request.body as string,
          authorization: request.headers.authorization,
        },
        credentials!,
        claim,
      );
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      refused.push({ network: 'mdes', name, reason: error.message });
      return reply.code(401).send({ error: error.code });
    }
    received.push({ network: 'mdes', name, payload: JSON.parse(request.body as string) as Record<string, unknown> });
    return name === 'authorizeService'
      ? { responseId: randomUUID(), decision: decision.current }
      : { responseId: randomUUID() };
  });
  issuer.post('/networks/vts/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    let payload: unknown;
    try {
      payload = await openVtsNotification(request.body as string, credentials!, claim);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      refused.push({ network: 'vts', name, reason: error.message });
      return reply.code(401).send({ error: error.code });
    }
    received.push({ network: 'vts', name, payload: payload as Record<string, unknown> });
    return name === 'authorizeService' ? { decision: decision.current } : {};
  });
  const issuerUrl = await issuer.listen({ host: '127.0.0.1', port: 0 });

  const start = (): Promise<RunningSandbox> =>
    startSandbox({
      dataDir: path.join(dataDir, 'sandbox'),
      issuerBaseUrl: issuerUrl,
      ...(options.knobs && { knobs: options.knobs }),
    });
  let sandbox = await start();
  credentials = await NetworkCredentials.load({ file: sandbox.credentialsFile });

  const harness: Harness = {
    dataDir,
    sandbox,
    get credentials() {
      return credentials!;
    },
    signingKeys,
    issuerUrl,
    received,
    refused,
    decision,
    async proof(subject, network, overrides = {}) {
      const { token } = await signAuthenticationProof(
        signingKeys,
        {
          issuer: credentials!.issuerId,
          subject,
          audience: credentials![network].proofAudience,
          methods: ['otp'],
          ...(overrides.lifetimeSeconds !== undefined && { lifetimeSeconds: overrides.lifetimeSeconds }),
        },
        overrides.now,
      );
      return token;
    },
    async ledger(name, filter = {}) {
      const response = await fetch(
        `${harness.sandbox.urls[name]}/sandbox/ledger?${new URLSearchParams(filter).toString()}`,
      );
      return ((await response.json()) as { entries: LedgerEntry[] }).entries;
    },
    async knobs(name, change) {
      const response = await fetch(`${harness.sandbox.urls[name]}/sandbox/knobs`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(change),
      });
      if (!response.ok) throw new Error(`knobs refused: ${await response.text()}`);
    },
    async restartSandbox() {
      await harness.sandbox.close();
      sandbox = await start();
      harness.sandbox = sandbox;
      credentials = await NetworkCredentials.load({ file: sandbox.credentialsFile });
    },
    async close() {
      await harness.sandbox.close();
      await issuer.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
