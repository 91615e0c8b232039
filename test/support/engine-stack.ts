/**
 * The engine assembled in the test process, as npm start runs it in several: a Temporal dev server, the
 * sandbox networks, the real activities in a worker, and the real API (consumer routes, the networks'
 * callbacks, a development identity provider) on a port, against the test run's PostgreSQL.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet } from 'jose';
import pg from 'pg';
import { inject } from 'vitest';
import { temporalDataConverter } from '../../activities/crypto/payload-codec.js';
import { IssuerKeyStore } from '../../activities/keys/key-store.js';
import { customersEnrollmentTrace } from '../../db/enrollments.js';
import type { Pkcs11Settings } from '../../activities/keys/pkcs11/pkcs11-settings.js';
import type { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import type { CardVault } from '../../activities/vault/card-vault.js';
import { buildApp } from '../../api/app.js';
import { apiLoggerOptions } from '../../api/logging.js';
import { CallerAuthenticator, DevIdentityProvider, devIdentityProviderIssuer } from '../../api/caller-auth.js';
import { OperatorAuthenticator } from '../../api/operator-auth.js';
import { enrollmentSearchAttributes } from '../../domain/search-attributes.js';
import { issuerPublicKeysFileName } from '../../sandbox/registered-issuer-keys.js';
import { startSandbox, type RunningSandbox } from '../../sandbox/sandbox.js';
import { engineServices } from '../../services/engine-services.js';
import { registerSearchAttributes } from '../../deploy/search-attributes.js';
import { startTemporalDevServer, type TemporalDevServer } from '../../stack/temporal-dev-server.js';
import { walletRegistry } from '../../activities/wallets/registry.js';
import { bundleEnrollmentWorkflows, createEnrollmentWorker } from '../../workers/enrollment-worker.js';
import { createWorkerActivities } from '../../workers/worker-activities.js';
import { freePort } from './free-port.js';
import { Teardown } from './teardown.js';
import { uniqueTaskQueue } from './temporal.js';
import { loadDecisionRules } from '../../api/decision-rules-file.js';
import { tracedClient } from '../../observability/temporal-tracing.js';
import type { Tracing } from '../../observability/tracing.js';

export const apiAudience = 'pushprov-api';
export const operatorAudience = 'pushprov-operator-api';

export interface EngineStack {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  sandbox: RunningSandbox;
  keys: IssuerKeyStore;
  vault: CardVault;
  cache: TokenRequestorCache;
  api: FastifyInstance;
  apiUrl: string;
  identity: DevIdentityProvider;
  /** The key folder (issuer signing, vault, payload keys). */
  keysDir: string;
  temporalAddress: string;
  databaseUrl: string;
  /**
   * Stops the Temporal dev server and starts it again on the same address and database file; `kill`: a
   * crash (SIGKILL), the server given no chance to finish a write or checkpoint its SQLite log.
   */
  restartTemporal(how?: 'stop' | 'kill'): Promise<void>;
  /** A bearer token for a customer of the development identity provider. */
  tokenFor(customerId: string): Promise<string>;
  /** Stops the in-process worker: no workflow task (nor query) is answered from then on. */
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startEngineStack(
  options: {
    rateLimitPerMinute?: number;
    apiLogStream?: Writable;
    /** False: no worker in this process (the chaos tests run workers as processes they can kill). */
    inProcessWorker?: boolean;
    /** Tracing installed in the test process (before the stack starts): the API, worker and sandbox traced. */
    tracing?: Tracing;
    /**
     * The issuer's keys in this token (already made there), their public halves registered with the sandbox
     * (`npm run keys:hsm -- public-keys` writes that document): nothing is generated in the key folder.
     */
    hsm?: { pkcs11: Pkcs11Settings; issuerPublicKeys: unknown };
  } = {},
): Promise<EngineStack> {
  const teardown = new Teardown();
  return assembleEngineStack(options, teardown).catch((error: unknown) => teardown.abandon(error));
}

async function assembleEngineStack(
  options: Parameters<typeof startEngineStack>[0] & object,
  teardown: Teardown,
): Promise<EngineStack> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-stack-'));
  teardown.add(() => rm(dataDir, { recursive: true, force: true }));
  const pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  teardown.add(() => pool.end());
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const temporalOptions = {
    cliPath: inject('temporalCliPath'),
    host: '127.0.0.1',
    port: await freePort(),
    dbFile: path.join(dataDir, 'temporal.sqlite'),
    namespace: 'default',
    log: () => undefined,
  };
  if (options.hsm) {
    await mkdir(path.join(dataDir, 'sandbox'), { mode: 0o700 });
    await writeFile(
      path.join(dataDir, 'sandbox', issuerPublicKeysFileName),
      JSON.stringify(options.hsm.issuerPublicKeys),
    );
  }
  const [temporalStart, sandboxStart] = await Promise.allSettled<[Promise<TemporalDevServer>, Promise<RunningSandbox>]>(
    [
      startTemporalDevServer(temporalOptions),
      startSandbox({ dataDir: path.join(dataDir, 'sandbox'), issuerBaseUrl: apiUrl }),
    ],
  );
  if (temporalStart.status === 'fulfilled') teardown.add(() => temporal.stop());
  if (sandboxStart.status === 'fulfilled') teardown.add(() => sandboxStart.value.close());
  if (temporalStart.status === 'rejected') throw temporalStart.reason;
  if (sandboxStart.status === 'rejected') throw sandboxStart.reason;
  let temporal = temporalStart.value;
  const sandbox = sandboxStart.value;
  const keys = await IssuerKeyStore.open({
    keysDir: path.join(dataDir, 'keys'),
    networkCredentialsFile: sandbox.credentialsFile,
    generateIfMissing: !options.hsm,
    ...(options.hsm && { pkcs11: options.hsm.pkcs11 }),
  });
  teardown.add(() => keys.close());
  const connection = await Connection.connect({ address: temporal.address });
  teardown.add(() => connection.close());
  const client = new Client({ connection, dataConverter: temporalDataConverter(keys.payload) });
  await registerSearchAttributes(connection, 'default', enrollmentSearchAttributes);

  // The services and the activities as the API and the worker processes build them.
  const services = engineServices(pool, keys);
  const { vault, tokenRequestors: cache } = services;
  const taskQueue = uniqueTaskQueue();
  const identity = await DevIdentityProvider.open(path.join(dataDir, 'keys', 'dev-idp'));
  const { tracing } = options;
  const apiClient = tracing ? tracedClient(client, tracing) : client;
  const api = await buildApp(
    {
      readinessChecks: { postgres: () => pool.query('SELECT 1') },
      issuerJwks: () => keys.jwks(),
      consumer: {
        auth: new CallerAuthenticator({
          issuer: devIdentityProviderIssuer,
          audience: apiAudience,
          keys: createLocalJWKSet(identity.jwks()),
        }),
        pool,
        temporal: apiClient,
        taskQueue,
        vault,
        tokenRequestors: cache,
        wallets: keys.wallets,
        walletAdapters: walletRegistry(),
        workflowUiBase: 'http://127.0.0.1:8233/namespaces/default/workflows',
      },
      callbacks: {
        credentials: keys.networks,
        pool,
        temporal: apiClient,
        fingerprintKeys: keys.vault.fingerprintKeys,
        rules: loadDecisionRules(),
        taskQueue,
      },
      operator: {
        auth: new OperatorAuthenticator(
          new CallerAuthenticator({
            issuer: devIdentityProviderIssuer,
            audience: operatorAudience,
            keys: createLocalJWKSet(identity.jwks()),
          }),
        ),
        pool,
        temporal: client,
        taskQueue,
        fingerprintKeys: keys.vault.fingerprintKeys,
        webhookSecretKeys: keys.vault,
        vault,
      },
      devIdentity: { provider: identity, audience: apiAudience, operatorAudience },
      ...(options.rateLimitPerMinute && { rateLimitPerMinute: options.rateLimitPerMinute }),
      ...(tracing && {
        tracing: { enrollmentTrace: customersEnrollmentTrace(pool) },
      }),
    },
    options.apiLogStream ? { logger: { ...(apiLoggerOptions('info') as object), stream: options.apiLogStream } } : {},
  );
  teardown.add(() => api.close());
  await api.listen({ host: '127.0.0.1', port: apiPort });

  const workerActivities = createWorkerActivities(services);
  teardown.add(() => workerActivities.close());
  let stopWorker = (): Promise<void> => Promise.resolve();
  teardown.add(() => stopWorker());
  if (options.inProcessWorker !== false) {
    const workerConnection = await NativeConnection.connect({ address: temporal.address });
    const worker: Worker = await createEnrollmentWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: await bundleEnrollmentWorkflows({ traced: Boolean(tracing) }),
      payloadKeys: keys.payload,
      activities: workerActivities.activities,
      viewStore: pool,
      ...(tracing && { tracing }),
    });
    const running = worker.run();
    let stopped: Promise<void> | undefined;
    stopWorker = () =>
      (stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await workerConnection.close();
      })());
  }

  return {
    pool,
    client,
    taskQueue,
    sandbox,
    keys,
    vault,
    cache,
    api,
    apiUrl,
    identity,
    keysDir: path.join(dataDir, 'keys'),
    temporalAddress: temporal.address,
    databaseUrl: inject('databaseUrl'),
    async restartTemporal(how = 'stop') {
      if (how === 'kill') {
        process.kill(temporal.pid, 'SIGKILL');
        await temporal.exited;
      }
      await temporal.stop();
      temporal = await startTemporalDevServer(temporalOptions);
    },
    tokenFor: (customerId) => identity.tokenFor(customerId, apiAudience),
    stopWorker: () => stopWorker(),
    stop: () => teardown.run(),
  };
}
