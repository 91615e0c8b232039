/** `npm test` and `npm start` begin here: the tools the machine still lacks, with the command that installs them. */
import { parseEnv } from '../config/env.js';
import { missingPrerequisites, prerequisites, type Purpose } from './prerequisites.js';

const purpose: Purpose = process.argv[2] === 'start' ? 'start' : 'test';
const env = parseEnv();
const message = missingPrerequisites(
  purpose,
  prerequisites(purpose, { cacheDir: env.PUSHPROV_CACHE_DIR, chromiumPath: env.CHROMIUM_PATH }),
);
if (message) {
  console.error(message);
  process.exitCode = 1;
}
