/**
 * `npm run bench`: the engine's measurements, printed as a table and written as JSON to
 * bench/results/<date>.json with the machine they ran on. Not part of `npm test`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkCrypto } from './crypto.js';

const resultsDir = fileURLToPath(new URL('results/', import.meta.url));

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};

console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`);
console.log('\ncrypto (operations per second, single thread)');
const crypto = await benchmarkCrypto();
console.table(
  crypto.map((result) => ({
    operation: result.operation,
    jose: Math.round(result.joseOpsPerSecond),
    'node:crypto': Math.round(result.nodeOpsPerSecond),
    'jose / node': result.ratio.toFixed(2),
  })),
);

await mkdir(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.json`);
await writeFile(file, `${JSON.stringify({ measuredAt: new Date().toISOString(), machine, crypto }, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
