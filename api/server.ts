/** Process entry: the API server, with its PostgreSQL pool and Temporal connection, until SIGINT / SIGTERM. */
import { Connection } from '@temporalio/client';
import { IssuerKeyStore } from '../activities/keys/key-store.js';
import { parseEnv } from '../config/env.js';
import { createPool } from '../db/pool.js';
import { reportReady, whenOrphaned } from '../stack/processes.js';
import { checkTemporalServing } from '../stack/temporal-health.js';
import { buildApp } from './app.js';

const env = parseEnv();
if (!env.DATABASE_URL) {
  console.error('The API needs DATABASE_URL (npm start sets it to the embedded PostgreSQL).');
  process.exit(1);
}

const keyStore = await IssuerKeyStore.open({
  keysDir: env.PUSHPROV_KEYS_DIR,
  ...(env.PUSHPROV_NETWORK_CREDENTIALS && { networkCredentialsJson: env.PUSHPROV_NETWORK_CREDENTIALS }),
  networkCredentialsFile: env.PUSHPROV_NETWORK_CREDENTIALS_FILE,
  generateIfMissing: env.NODE_ENV !== 'production',
}).catch((error: unknown) => {
  console.error(`The API cannot open its keys: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const pool = createPool(env.DATABASE_URL, 'pushprov-api');
const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
const app = await buildApp(
  {
    readinessChecks: {
      postgres: () => pool.query('SELECT 1'),
      temporal: () => checkTemporalServing(connection),
    },
    issuerJwks: () => keyStore.jwks(),
  },
  { logger: { level: env.LOG_LEVEL } },
);

let closing: Promise<void> | undefined;
const close = (): Promise<void> =>
  (closing ??= (async () => {
    await app.close();
    await connection.close();
    await pool.end();
    if (process.connected) process.disconnect(); // the IPC channel would keep the process alive
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void close());
whenOrphaned(() => void close()); // also when the supervisor went away while this process was starting

try {
  const address = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  reportReady({ type: 'ready', url: address });
} catch (error) {
  const reason =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use (set API_PORT)' : String(error);
  console.error(`The API cannot listen on ${env.API_HOST}:${env.API_PORT}: ${reason}`);
  await close();
  process.exitCode = 1;
}
