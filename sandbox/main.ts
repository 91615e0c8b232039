/** Process entry: the sandbox networks and token requestors on their ports, until SIGINT / SIGTERM. */
import { parseEnv } from '../config/env.js';
import { drainDeadlineMs, reportReady, stopOnSignalOrOrphaned } from '../lifecycle/supervisor-link.js';
import { tracingFromEnv } from '../observability/tracing.js';
import { parseStartingKnobs } from './knobs.js';
import { startSandbox, type RunningSandbox } from './sandbox.js';

const env = parseEnv();
const knobs = env.SANDBOX_KNOBS === undefined ? undefined : parseStartingKnobs(env.SANDBOX_KNOBS);
// As the engine's processes: traced only with an OTLP endpoint configured.
const tracing = tracingFromEnv(env, 'pushprov-sandbox');
let sandbox: RunningSandbox | undefined;
const shutdown = stopOnSignalOrOrphaned(async () => {
  await sandbox?.close({ drainDeadlineMs });
  await tracing?.shutdown();
});

try {
  sandbox = await startSandbox({
    dataDir: env.SANDBOX_DATA_DIR,
    host: env.SANDBOX_HOST,
    ...(env.SANDBOX_ADVERTISED_HOST && { advertisedHost: env.SANDBOX_ADVERTISED_HOST }),
    ports: { mdes: env.SANDBOX_MDES_PORT, vts: env.SANDBOX_VTS_PORT, tokenRequestors: env.SANDBOX_TR_PORT },
    issuerBaseUrl: env.SANDBOX_ISSUER_URL,
    ...(env.SANDBOX_ISSUER_JWKS_URL && { issuerJwksUrl: env.SANDBOX_ISSUER_JWKS_URL }),
    ...(env.SANDBOX_MDES_CALLBACK_URL && { mdesCallbackBaseUrl: env.SANDBOX_MDES_CALLBACK_URL }),
    ...(env.SANDBOX_VTS_CALLBACK_URL && { vtsCallbackBaseUrl: env.SANDBOX_VTS_CALLBACK_URL }),
    ...(knobs && { knobs }),
  });
  if (shutdown.requested) await sandbox.close();
  if (process.send) {
    reportReady({ type: 'ready', urls: sandbox.urls, credentialsFile: sandbox.credentialsFile });
  } else {
    console.log(`MDES sandbox              ${sandbox.urls.mdes}`);
    console.log(`VTS sandbox               ${sandbox.urls.vts}`);
    console.log(`token requestors          ${sandbox.urls.tokenRequestors}`);
    console.log(`issuer credentials        ${sandbox.credentialsFile}`);
    console.log(`wallet credentials        ${sandbox.walletCredentialsFile}`);
    console.log(`calls the issuer at       ${env.SANDBOX_ISSUER_URL}`);
    console.log('press Ctrl-C to stop');
  }
} catch (error) {
  console.error(
    `The sandbox cannot start: ${error instanceof Error ? error.message : String(error)} (ports: SANDBOX_MDES_PORT, SANDBOX_VTS_PORT, SANDBOX_TR_PORT)`,
  );
  await shutdown.stop();
  process.exitCode = 1;
}
