/**
 * `npm run deploy:setup`: readies an existing deployment (DATABASE_URL, TEMPORAL_ADDRESS) for the engine:
 * applies pending migrations, registers the search attributes and creates the schedules, and (with
 * PUSHPROV_GENERATE_KEYS=true) creates the issuer's keys that are missing. npm start does the same.
 */
import { generateIssuerKeys, pkcs11SettingsOf } from '../activities/keys/key-store.js';
import { operatorTokenFile } from '../codec-server/operator-token.js';
import { parseEnv } from '../config/env.js';
import { temporalConnectionOptions } from '../config/temporal-connection.js';
import { describePreparation, prepareDeployment } from './prepare-deployment.js';
import { waitForTemporal } from '../lifecycle/temporal-health.js';

try {
  const env = parseEnv();
  if (!env.DATABASE_URL) throw new Error('DATABASE_URL is not set: which database should be migrated?');
  const temporal = temporalConnectionOptions(env);
  await waitForTemporal(temporal, 120_000);
  const prepared = await prepareDeployment({
    databaseUrl: env.DATABASE_URL,
    temporal,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
  });
  for (const line of describePreparation(prepared)) console.log(line);
  if (env.PUSHPROV_GENERATE_KEYS) {
    const pkcs11 = await pkcs11SettingsOf(env);
    const generated = await generateIssuerKeys(env.PUSHPROV_KEYS_DIR, pkcs11);
    await operatorTokenFile(env.PUSHPROV_KEYS_DIR, { generateIfMissing: true });
    if (pkcs11) {
      for (const label of generated) console.log(`generated ${label} in the token "${pkcs11.tokenLabel}"`);
      console.log(`issuer keys are in the token "${pkcs11.tokenLabel}"`);
    } else console.log(`issuer keys are in ${env.PUSHPROV_KEYS_DIR}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
