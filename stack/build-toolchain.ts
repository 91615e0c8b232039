/** `npm run toolchain`: builds (or finds in the cache) the Temporal CLI and the time-skipping test server. */
import { parseEnv } from '../config/env.js';
import { ensureToolchain } from './toolchain.js';

try {
  const toolchain = await ensureToolchain(parseEnv().PUSHPROV_CACHE_DIR, (line) => console.log(line));
  console.log(`temporal CLI:         ${toolchain.temporalCli}`);
  console.log(`time-skipping server: ${toolchain.timeSkippingTestServer}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
