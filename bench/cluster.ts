/**
 * Whole enrollments per second on `npm run start:cluster` (the Temporal server on PostgreSQL) by number of
 * worker processes: the stack started once per count, on one data folder, enrollments driven over HTTP as
 * consumers drive them, at a fixed concurrency high enough to keep every worker busy.
 */
import { rm } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { prepareLocalStack } from '../test/support/local-stack.js';
import { atConcurrency, percentiles, type LevelRun, type Percentiles } from './at-concurrency.js';
import { benchRulesFile } from './decisions.js';
import { EnrollmentDriver } from './enrollment-driver.js';

export interface ClusterLevel {
  workers: number;
  concurrency: number;
  enrollments: LevelRun & {
    /** Milliseconds, the whole enrollment: started -> workflow closed. */
    latency: Percentiles;
  };
}

export interface ClusterBenchOptions {
  secondsPerLevel: number;
  workerCounts?: number[];
  /** Enrollments under way at once. */
  concurrency?: number;
  log: (line: string) => void;
}

export async function benchmarkCluster(options: ClusterBenchOptions): Promise<ClusterLevel[]> {
  const { secondsPerLevel, workerCounts = [1, 2, 4], concurrency = 16, log } = options;
  // The same few cards enrolled hundreds of times: the velocity rules set out of reach, as in bench/main.ts.
  const rulesFile = await benchRulesFile();
  const stack = await prepareLocalStack({
    env: { API_RATE_LIMIT_PER_MINUTE: '100000000', DECISION_RULES_FILE: rulesFile },
    // The first start on a machine builds the Temporal server (minutes).
    startTimeoutMs: 900_000,
  });
  const levels: ClusterLevel[] = [];
  try {
    let sequence = 0;
    for (const workers of workerCounts) {
      log(`starting npm run start:cluster -- --workers ${workers} ...`);
      const started = await stack.start(['run', 'start:cluster', '--', '--workers', String(workers)]);
      const connection = await Connection.connect({ address: stack.temporalAddress });
      try {
        const driver = new EnrollmentDriver(
          {
            apiUrl: stack.url('api'),
            tokenRequestorsUrl: stack.url('tokenRequestors'),
            temporalAddress: stack.temporalAddress,
          },
          connection,
        );
        // Warm up: each worker's workflow cache and connections, the token requestor cache.
        await atConcurrency(concurrency, Math.min(5, secondsPerLevel), () => driver.enrol(sequence++));
        const { run, samples } = await atConcurrency(concurrency, secondsPerLevel, () => driver.enrol(sequence++));
        const level: ClusterLevel = {
          workers,
          concurrency,
          enrollments: { ...run, latency: percentiles(samples.map((sample) => sample.wholeMs)) },
        };
        levels.push(level);
        log(
          `${workers} worker(s): ${run.perSecond.toFixed(2)} enrollments/s at concurrency ${concurrency}, ` +
            `whole enrollment p50 ${level.enrollments.latency.p50.toFixed(0)} ms, ${run.failed} failed`,
        );
      } finally {
        await connection.close();
        await stack.ctrlC(started.process);
      }
    }
    return levels;
  } finally {
    await stack.dispose();
    await rm(rulesFile, { force: true });
  }
}
