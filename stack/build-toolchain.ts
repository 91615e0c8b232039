/**
 * `npm run toolchain`: builds (or finds in the cache) the Temporal CLI and the time-skipping test server;
 * with `-- --cluster`, the Temporal server and temporal-sql-tool that `npm run start:cluster` runs too.
 */
import { parseEnv } from '../config/env.js';
import { ensureTemporalServer } from './temporal-server-build.js';
import { ensureToolchain } from './toolchain.js';

try {
  const cacheDir = parseEnv().PUSHPROV_CACHE_DIR;
  const log = (line: string): void => console.log(line);
  const toolchain = await ensureToolchain(cacheDir, log);
  console.log(`temporal CLI:         ${toolchain.temporalCli}`);
  console.log(`time-skipping server: ${toolchain.timeSkippingTestServer}`);
  if (process.argv.includes('--cluster')) {
    const server = await ensureTemporalServer(cacheDir, log);
    console.log(`temporal server:      ${server.server}`);
    console.log(`temporal-sql-tool:    ${server.sqlTool}`);
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
