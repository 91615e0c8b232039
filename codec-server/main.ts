/** Process entry: the codec server for the Temporal Web UI, until SIGINT / SIGTERM. */
import { EncryptionCodec } from '../activities/crypto/payload-codec.js';
import { openPayloadKeys, pkcs11SettingsOf } from '../activities/keys/key-store.js';
import { parseEnv } from '../config/env.js';
import { drainAndClose } from '../lifecycle/http-draining.js';
import { drainDeadlineMs, reportReady, stopOnSignalOrOrphaned } from '../lifecycle/supervisor-link.js';
import { buildCodecServer } from './app.js';
import { operatorTokenFile } from './operator-token.js';

const env = parseEnv();

const tokens =
  env.CODEC_OPERATOR_TOKENS?.split(',')
    .map((token) => token.trim())
    .filter(Boolean) ??
  [(await operatorTokenFile(env.PUSHPROV_KEYS_DIR, { generateIfMissing: env.PUSHPROV_GENERATE_KEYS }))?.token].filter(
    (token): token is string => token !== undefined,
  );
if (tokens.length === 0) {
  console.error(
    'The codec server needs an operator token: CODEC_OPERATOR_TOKENS, or the codec-operator-token file in the key folder.',
  );
  process.exit(1);
}
const origins = env.CODEC_ALLOWED_ORIGINS?.split(',').map((origin) => origin.trim()) ?? [
  `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
  `http://localhost:${env.TEMPORAL_UI_PORT}`,
];
const keys = await openPayloadKeys({
  keysDir: env.PUSHPROV_KEYS_DIR,
  generateIfMissing: env.PUSHPROV_GENERATE_KEYS,
  ...(await pkcs11SettingsOf(env).then((pkcs11) => pkcs11 && { pkcs11 })),
}).catch((error: unknown) => {
  console.error(
    `The codec server cannot open the payload keys: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
const app = buildCodecServer({
  codec: new EncryptionCodec(keys.payload),
  operatorTokens: tokens,
  allowedOrigins: origins,
});

const shutdown = stopOnSignalOrOrphaned(async () => {
  await drainAndClose(app, drainDeadlineMs);
  await keys.close();
});

try {
  const url = await app.listen({ host: env.CODEC_SERVER_HOST, port: env.CODEC_SERVER_PORT });
  reportReady({ type: 'ready', url });
} catch (error) {
  const reason =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
      ? 'the port is in use (set CODEC_SERVER_PORT)'
      : String(error);
  console.error(`The codec server cannot listen on ${env.CODEC_SERVER_HOST}:${env.CODEC_SERVER_PORT}: ${reason}`);
  await shutdown.stop();
  process.exitCode = 1;
}
