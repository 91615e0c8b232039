/**
 * `npm start`: the whole local stack in one process tree. PostgreSQL (embedded unless DATABASE_URL), the
 * Temporal dev server with its Web UI (unless one already answers at TEMPORAL_ADDRESS), the sandbox
 * networks, the codec server, the worker and the API. A child that crashes is started again (after a
 * growing wait); one that keeps crashing, or PostgreSQL or Temporal dying, stops the stack, saying why.
 * Ctrl-C stops what it started, in reverse order, each part finishing the work it has under way.
 * `--cluster` (npm run start:cluster): the Temporal server on PostgreSQL instead of the dev server;
 * `--workers N`: N worker processes (default 1, and 2 with --cluster).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { childEnv, parseEnv, type Env } from '../config/env.js';
import { startEmbeddedPostgres } from './postgres.js';
import { describePreparation, prepareDeployment } from '../deploy/prepare-deployment.js';
import {
  describeExit,
  exitOf,
  spawnTypeScriptProcess,
  stopChild,
  waitForMessage,
  type ManagedProcess,
} from './processes.js';
import { RestartPolicy } from './restart-policy.js';
import { SupervisedChild, type ChildRun } from './supervised-child.js';
import { startTemporalDevServer, stopLeftoverDevServer } from './temporal-dev-server.js';
import { isTemporalReachable } from '../lifecycle/temporal-health.js';
import { ensureTemporalCli } from './toolchain.js';
import { freePort } from './free-port.js';
import { startClusterTemporal } from './temporal-cluster-start.js';

const log = (line: string): void => console.log(`[pushprov] ${line}`);

const { values: flags } = parseArgs({ options: { cluster: { type: 'boolean' }, workers: { type: 'string' } } });
const workerCount = Number(flags.workers ?? (flags.cluster ? 2 : 1));
if (!Number.isInteger(workerCount) || workerCount < 1) {
  console.error(`[pushprov] --workers wants a number of worker processes, not ${flags.workers}`);
  process.exit(2);
}

interface Part {
  name: string;
  pid: number;
  stop(): Promise<void>;
}

/** A part the stack cannot run without and does not restart: PostgreSQL, the Temporal dev server. */
interface EssentialPart extends Part, ManagedProcess {}

/** What this process started, in start order; stopped in reverse. */
const started: Part[] = [];
/** Aborted when the stack stops: a Temporal build still running is cut short. */
const startup = new AbortController();
let stopping: Promise<void> | undefined;

function stopEverything(exitCode: number): Promise<void> {
  startup.abort();
  stopping ??= (async () => {
    log('stopping...');
    let failures = 0;
    for (const part of started.toReversed()) {
      try {
        await part.stop();
        log(`stopped ${part.name}`);
      } catch (error) {
        failures += 1;
        log(`could not stop ${part.name} (pid ${part.pid}): ${String(error)}`);
      }
    }
    process.exitCode = failures > 0 ? 1 : exitCode;
  })();
  return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stopEverything(0));

/** Records an essential part; one that finishes starting after shutdown began is stopped at once. */
function track(part: EssentialPart): void {
  started.push(part);
  if (stopping) {
    void part.stop();
    return;
  }
  log(`started ${part.name} (pid ${part.pid})`);
  void part.exited.then((status) => {
    if (stopping) return;
    log(`${part.name} exited unexpectedly (${describeExit(status)}); stopping the stack`);
    void stopEverything(1);
  });
}

/** Startup goes no further once a Ctrl-C (or a failed part) has begun the shutdown. */
function unlessStopping(): void {
  if (stopping) throw new Error('startup abandoned');
}

function isLocalAddress(address: string): boolean {
  return /^(127\.\d+\.\d+\.\d+|localhost):\d+$/.test(address);
}

interface Database {
  url: string;
  description: string;
  part?: EssentialPart;
}

async function startDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, description: 'PostgreSQL from DATABASE_URL' };
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(env.PUSHPROV_DATA_DIR, 'postgres'),
    passwordFile: path.join(env.PUSHPROV_DATA_DIR, 'postgres.password'),
    port: env.EMBEDDED_POSTGRES_PORT,
    database: 'pushprov',
  });
  return {
    url: postgres.url,
    description: `embedded PostgreSQL on 127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}, database pushprov (data in ${postgres.dataDir})`,
    part: { name: 'PostgreSQL', ...postgres },
  };
}

interface Temporal {
  uiUrl: string | undefined;
  part?: EssentialPart;
}

async function startTemporal(env: Env): Promise<Temporal> {
  const dbFile = path.join(env.PUSHPROV_DATA_DIR, 'temporal', 'dev-server.sqlite');
  const leftover = await stopLeftoverDevServer(dbFile);
  if (leftover) log(`stopped the Temporal dev server an earlier npm start left running (pid ${leftover})`);
  if (await isTemporalReachable(env.TEMPORAL_ADDRESS)) {
    log(`using the Temporal server already answering at ${env.TEMPORAL_ADDRESS}`);
    return { uiUrl: undefined };
  }
  if (!isLocalAddress(env.TEMPORAL_ADDRESS)) {
    throw new Error(
      `No Temporal server answers at ${env.TEMPORAL_ADDRESS}, and a dev server can only be started on a loopback address`,
    );
  }
  const cliPath = await ensureTemporalCli(env.PUSHPROV_CACHE_DIR, log, startup.signal);
  unlessStopping();
  const [host, port] = env.TEMPORAL_ADDRESS.split(':') as [string, string];
  const server = await startTemporalDevServer({
    cliPath,
    host: host === 'localhost' ? '127.0.0.1' : host,
    port: Number(port),
    uiPort: env.TEMPORAL_UI_PORT,
    uiCodecEndpoint: `http://${env.CODEC_SERVER_HOST}:${env.CODEC_SERVER_PORT}`,
    dbFile,
    durability: env.TEMPORAL_DEV_DURABILITY,
    namespace: env.TEMPORAL_NAMESPACE,
    log: (line) => console.log(`[temporal] ${line}`),
  });
  return { uiUrl: server.uiUrl, part: { name: 'Temporal dev server', ...server } };
}

async function startTemporalCluster(env: Env, database: Promise<Database>): Promise<Temporal> {
  const databaseUrl = database.then((started) => started.url);
  const cluster = await startClusterTemporal({ env, databaseUrl, log, signal: startup.signal });
  return { uiUrl: undefined, part: { name: 'Temporal server', ...cluster } };
}

/** The worker processes, each with a metrics port of its own (the first keeps WORKER_METRICS_ADDRESS). */
async function startWorkers(env: NodeJS.ProcessEnv, metricsAddress: string): Promise<void> {
  const entry = new URL('../workers/main.ts', import.meta.url);
  if (workerCount === 1) {
    await startChild('worker', entry, env);
    return;
  }
  const metricsHost = metricsAddress.split(':')[0];
  const envs = [env];
  for (let index = 1; index < workerCount; index += 1) {
    envs.push({ ...env, WORKER_METRICS_ADDRESS: `${metricsHost}:${await freePort()}` });
  }
  await Promise.all(envs.map((workerEnv, index) => startChild(`worker ${index + 1}`, entry, workerEnv)));
}

/**
 * Starts one of the stack's own processes (sandbox, codec server, worker, API) under supervision: it is
 * started again when it crashes. They keep no state of their own (it is in PostgreSQL, Temporal and the
 * sandbox's ledger files) and their ports are theirs alone, so a new process takes over where the old one
 * died. Resolves with the first process's ready message.
 */
function startChild<T extends { type: 'ready' } = { type: 'ready'; url?: string }>(
  name: string,
  entry: URL,
  env: NodeJS.ProcessEnv,
): Promise<T> {
  const launch = (): ChildRun<T> => {
    const child = spawnTypeScriptProcess(entry, [], env);
    return {
      pid: child.pid ?? -1,
      exited: exitOf(child),
      ready: waitForMessage<T>(child, 'ready', name),
      stop: () => stopChild(child, name),
    };
  };
  const supervised = new SupervisedChild<T>({
    name,
    launch,
    policy: new RestartPolicy(),
    log,
    stackStopping: () => stopping !== undefined,
    giveUp: (reason) => {
      log(`${reason}; stopping the stack`);
      void stopEverything(1);
    },
  });
  started.push(supervised);
  const ready = supervised.start();
  log(`started ${name} (pid ${supervised.pid})`);
  return ready;
}

/** Settles a start; a failure aborts the other starts running beside it. */
function abortOthersOnFailure<T>(start: Promise<T>): Promise<T> {
  return start.catch((error: unknown) => {
    startup.abort();
    throw error;
  });
}

async function main(): Promise<void> {
  const env = parseEnv();
  log(`data folder: ${env.PUSHPROV_DATA_DIR}`);

  // In parallel, and tracked in a fixed order once both have settled, so they stop in reverse order.
  const databaseStart = abortOthersOnFailure(startDatabase(env));
  const [database, temporal] = await Promise.allSettled([
    databaseStart,
    abortOthersOnFailure(flags.cluster ? startTemporalCluster(env, databaseStart) : startTemporal(env)),
  ]);
  for (const outcome of [database, temporal])
    if (outcome.status === 'fulfilled' && outcome.value.part) track(outcome.value.part);
  if (database.status === 'rejected') throw database.reason;
  if (temporal.status === 'rejected') throw temporal.reason;
  unlessStopping();

  const prepared = await prepareDeployment({
    databaseUrl: database.value.url,
    temporal: env.TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
  });
  for (const line of describePreparation(prepared)) log(line);

  const processEnv = childEnv({ DATABASE_URL: database.value.url });
  unlessStopping();
  const sandbox = await startChild<{ type: 'ready'; urls: Record<'mdes' | 'vts' | 'tokenRequestors', string> }>(
    'sandbox networks',
    new URL('../sandbox/main.ts', import.meta.url),
    processEnv,
  );
  unlessStopping();
  const codecServer = await startChild('codec server', new URL('../codec-server/main.ts', import.meta.url), processEnv);
  unlessStopping();
  await startWorkers(processEnv, env.WORKER_METRICS_ADDRESS);
  unlessStopping();
  const api = await startChild('API', new URL('../api/server.ts', import.meta.url), processEnv);
  unlessStopping();

  log('the stack is up:');
  log(
    `  API                 ${api.url ?? `http://${env.API_HOST}:${env.API_PORT}`}  (docs: /docs, health: /healthz, readiness: /readyz)`,
  );
  log(
    `  Temporal Web UI     ${temporal.value.uiUrl ?? (flags.cluster ? '(none: the cluster runs without one)' : '(the existing server’s own UI)')}`,
  );
  if (flags.cluster)
    log('  Temporal server     temporal-server on PostgreSQL (databases temporal, temporal_visibility)');
  if (workerCount > 1) log(`  workers             ${workerCount} processes`);
  log(
    `  Temporal frontend   ${env.TEMPORAL_ADDRESS}, namespace ${env.TEMPORAL_NAMESPACE}, task queue ${env.TEMPORAL_TASK_QUEUE}`,
  );
  log(`  PostgreSQL          ${database.value.description}`);
  log(
    `  codec server        ${codecServer.url ?? ''}  (the Web UI decodes payloads with it; operator token: ${
      env.CODEC_OPERATOR_TOKENS ? 'CODEC_OPERATOR_TOKENS' : path.join(env.PUSHPROV_KEYS_DIR, 'codec-operator-token')
    })`,
  );
  log(`  sandbox MDES        ${sandbox.urls.mdes}  (knobs: /sandbox/knobs, ledger: /sandbox/ledger)`);
  log(`  sandbox VTS         ${sandbox.urls.vts}`);
  log(`  token requestors    ${sandbox.urls.tokenRequestors}`);
  log('press Ctrl-C to stop');
}

main().catch(async (error: unknown) => {
  if (stopping) return; // Ctrl-C during startup: whatever failed after it is not news
  console.error(`[pushprov] could not start: ${error instanceof Error ? error.message : String(error)}`);
  await stopEverything(1);
});
