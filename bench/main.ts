/**
 * `npm run bench [-- crypto | keys | enrollments | wallets | decisions | api | cluster ...]`: the engine's measurements, printed as tables and
 * written as JSON to bench/results/<date>.json with the machine they ran on. Not part of `npm test`.
 * Enrollments and API load run against the local stack (npm start, on free ports and a data folder of
 * its own, the sandbox networks at zero added latency). BENCH_SECONDS sets each measurement's length.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareLocalStack } from '../test/support/local-stack.js';
import { benchmarkApiReads, type EndpointLoad } from './api-load.js';
import { benchmarkCluster, type ClusterLevel } from './cluster.js';
import { benchmarkCrypto, type CryptoResult } from './crypto.js';
import { benchmarkKeyHandles, type KeyHandleResult } from './key-handles.js';
import { benchmarkDecisions, benchRulesFile, type DecisionLevel } from './decisions.js';
import type { Percentiles } from './at-concurrency.js';
import { benchmarkEnrollments, type EnrollmentBench } from './enrollments.js';
import type { CpuPerRun } from './cpu-budget.js';
import { stackParts, type CpuShares } from './process-cpu.js';
import {
  benchmarkWalletProvisioning,
  type BenchedWallet,
  type WalletProvisioningLevel,
} from './wallet-provisioning.js';

const parts = new Set(
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : ['crypto', 'keys', 'enrollments', 'wallets', 'decisions', 'api', 'cluster'],
);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const resultsDir = fileURLToPath(new URL('results/', import.meta.url));

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};
const results: {
  measuredAt: string;
  machine: typeof machine;
  secondsPerMeasurement: number;
  crypto?: CryptoResult[];
  keys?: KeyHandleResult[];
  enrollments?: EnrollmentBench;
  wallets?: { wallet: BenchedWallet; levels: WalletProvisioningLevel[] }[];
  decisions?: DecisionLevel[];
  api?: EndpointLoad[];
  cluster?: ClusterLevel[];
} = { measuredAt: new Date().toISOString(), machine, secondsPerMeasurement: seconds };

console.log(`machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}`);

if (parts.has('crypto')) {
  console.log('\ncrypto (operations per second, single thread)');
  results.crypto = await benchmarkCrypto();
  console.table(
    results.crypto.map((result) => ({
      operation: result.operation,
      jose: Math.round(result.joseOpsPerSecond),
      'node:crypto': Math.round(result.nodeOpsPerSecond),
      'jose / node': result.ratio.toFixed(2),
    })),
  );
}

if (parts.has('keys')) {
  console.log('\nthe key handles, in process and in a SoftHSM2 token (operations per second, 1 and 8 at once)');
  results.keys = await benchmarkKeyHandles();
  console.table(
    results.keys.map((result) => ({
      operation: result.operation,
      'in process': Math.round(result.inProcess.one),
      'in process, 8': Math.round(result.inProcess.eight),
      SoftHSM2: Math.round(result.softHsm.one),
      'SoftHSM2, 8': Math.round(result.softHsm.eight),
    })),
  );
}

if (['enrollments', 'wallets', 'decisions', 'api'].some((part) => parts.has(part))) {
  console.log('\nstarting the local stack (npm start) ...');
  const stack = await prepareLocalStack({
    env: { API_RATE_LIMIT_PER_MINUTE: '100000000', DECISION_RULES_FILE: await benchRulesFile() },
  });
  try {
    const { process: root } = await stack.start();
    if (parts.has('enrollments')) {
      console.log(`\nenrollments, ${seconds} s per concurrency level, until the throughput stops rising`);
      results.enrollments = await benchmarkEnrollments(
        {
          apiUrl: stack.url('api'),
          tokenRequestorsUrl: stack.url('tokenRequestors'),
          temporalAddress: stack.temporalAddress,
          rootPid: root.pid!,
        },
        { secondsPerLevel: seconds, levels: [1, 2, 4, 8, 16, 32, 64], log: (line) => console.log(`  ${line}`) },
      );
      const ms = (value: Percentiles): string =>
        `${value.p50.toFixed(0)} / ${value.p95.toFixed(0)} / ${value.p99.toFixed(0)}`;
      console.log(
        '\nthroughput (complete enrollments per second, each floor the same), latency (ms, p50 / p95 / p99), ' +
          "workflow tasks (the level's last enrollment / last shaped workflow)",
      );
      console.table(
        results.enrollments.levels.map((level) => ({
          concurrency: level.concurrency,
          'enrollments/s': level.enrollments.perSecond.toFixed(2),
          'shaped/s': level.shaped.perSecond.toFixed(2),
          'bare/s': level.bare.perSecond.toFixed(2),
          'ratio to shaped': level.ratios.shaped.toFixed(2),
          'ratio to bare': level.ratios.bare.toFixed(2),
          'start -> code sent': ms(level.enrollments.latency.codeSent),
          'code -> redirect': ms(level.enrollments.latency.redirect),
          'whole enrollment': ms(level.enrollments.latency.whole),
          'shaped workflow': ms(level.shaped.latency),
          'bare workflow': ms(level.bare.latency),
          'workflow tasks': `${level.workflowTasks.enrollment} / ${level.workflowTasks.shaped}`,
          failed: level.enrollments.failed + level.shaped.failed + level.bare.failed,
        })),
      );
      console.log(
        "\nCPU by process, % of one core (the stack's processes; the bench's own process apart, which also runs " +
          "the floors' worker; outside: the rest of the machine)",
      );
      const cpuRow = (concurrency: number, run: string, cpu: CpuShares): Record<string, string | number> => ({
        concurrency,
        run,
        ...Object.fromEntries(stackParts.map((part) => [part, cpu.byPart[part].toFixed(0)])),
        stack: cpu.stack.toFixed(0),
        bench: cpu.bench.toFixed(0),
        outside: cpu.outside.toFixed(0),
        machine: cpu.machine.toFixed(0),
      });
      console.table(
        results.enrollments.levels.flatMap((level) => [
          cpuRow(level.concurrency, 'enrollments', level.enrollments.cpu),
          cpuRow(level.concurrency, 'shaped', level.shaped.cpu),
          cpuRow(level.concurrency, 'bare', level.bare.cpu),
        ]),
      );
      console.log(
        '\nCPU per run (ms of CPU: an enrollment, a shaped run) and the ratio those costs allow once the machine is ' +
          'saturated: here (every process on the same cores, the server on at most the share it reached) and with ' +
          'cores to spare for all but the Temporal server (bench/cpu-budget.ts)',
      );
      const msOf = (run: CpuPerRun): string =>
        [
          ...stackParts
            .filter((part) => run.byPart[part] >= 0.5)
            .map((part) => `${part} ${run.byPart[part].toFixed(0)}`),
          `bench ${run.bench.toFixed(0)}`,
          `machine ${run.machine.toFixed(0)}`,
        ].join(', ');
      console.table(
        results.enrollments.levels.map((level) => ({
          concurrency: level.concurrency,
          'ratio to shaped': level.ratios.shaped.toFixed(2),
          'allowed here': level.ceilings.thisMachine.toFixed(2),
          'allowed, cores to spare': level.ceilings.serverBound.toFixed(2),
          'an enrollment': msOf(level.cpuPerRun.enrollment),
          'a shaped run': msOf(level.cpuPerRun.shaped),
        })),
      );
    }
    if (parts.has('wallets')) {
      results.wallets = [];
      for (const wallet of ['APPLE_PAY', 'GOOGLE_PAY', 'SAMSUNG_PAY'] as const) {
        console.log(`\nin-app wallet provisioning (${wallet}), ${seconds} s per concurrency level`);
        const levels = await benchmarkWalletProvisioning(
          { apiUrl: stack.url('api'), tokenRequestorsUrl: stack.url('tokenRequestors') },
          { wallet, secondsPerLevel: seconds, levels: [1, 2, 4, 8], log: (line) => console.log(`  ${line}`) },
        );
        results.wallets.push({ wallet, levels });
        console.log(
          `\n${wallet}: the app's provisioning call while the wallet's sheet waits (ms): p99 must stay under 1,000`,
        );
        console.table(
          levels.map((level) => ({
            concurrency: level.concurrency,
            'calls/s': level.perSecond.toFixed(2),
            'p50 ms': Math.round(level.latency.p50),
            'p95 ms': Math.round(level.latency.p95),
            'p99 ms': Math.round(level.latency.p99),
            failed: level.failed,
          })),
        );
      }
    }
    if (parts.has('decisions')) {
      console.log(`\ntokenisation decisions (simulated wallet tokenisations), ${seconds} s per concurrency level`);
      results.decisions = await benchmarkDecisions(
        { mdes: stack.url('mdes'), vts: stack.url('vts') },
        { secondsPerLevel: seconds, levels: [1, 2, 4, 8], log: (line) => console.log(`  ${line}`) },
      );
      console.log("\nauthorizeService as the network waits on the issuer's decision (ms): p99 must stay under 500");
      console.table(
        results.decisions.map((level) => ({
          concurrency: level.concurrency,
          'tokenisations/s': level.perSecond.toFixed(2),
          'decision p50': Math.round(level.authorizeService.p50),
          'decision p95': Math.round(level.authorizeService.p95),
          'decision p99': Math.round(level.authorizeService.p99),
          'tokenisation p99': Math.round(level.tokenisation.p99),
          outcomes: Object.entries(level.outcomes)
            .map(([decision, count]) => `${decision} ${count}`)
            .join(', '),
          failed: level.failed,
        })),
      );
    }
    if (parts.has('api')) {
      console.log(`\nAPI read endpoints under autocannon, ${seconds} s each, 16 connections`);
      results.api = await benchmarkApiReads(stack.url('api'), { seconds, connections: 16 });
      console.table(
        results.api.map((load) => ({
          endpoint: load.endpoint,
          'backed by': load.backedBy,
          'requests/s': Math.round(load.requestsPerSecond),
          'p50 ms': load.latencyMs.p50,
          'p90 ms': load.latencyMs.p90,
          'p99 ms': load.latencyMs.p99,
          'non-2xx': load.non2xx,
        })),
      );
    }
  } finally {
    await stack.dispose();
  }
}

if (parts.has('cluster')) {
  // Its own stacks (npm run start:cluster, one per worker count): the first run on a machine builds the server.
  console.log(
    `\nthe Temporal cluster (npm run start:cluster), ${seconds} s per worker count, 16 concurrent enrollments`,
  );
  results.cluster = await benchmarkCluster({
    secondsPerLevel: seconds,
    workerCounts: [1, 2, 4],
    log: (line) => console.log(`  ${line}`),
  });
  console.table(
    results.cluster.map((level) => ({
      workers: level.workers,
      'enrollments/s': level.enrollments.perSecond.toFixed(2),
      'whole enrollment (ms, p50 / p95 / p99)': `${level.enrollments.latency.p50.toFixed(0)} / ${level.enrollments.latency.p95.toFixed(0)} / ${level.enrollments.latency.p99.toFixed(0)}`,
      failed: level.enrollments.failed,
    })),
  );
}

await mkdir(resultsDir, { recursive: true });
const file = path.join(resultsDir, `${new Date().toISOString().slice(0, 19).replaceAll(':', '-')}.json`);
await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
