/** How the bench measures a level: `concurrency` loops of back-to-back work for some seconds, and percentiles. */
import { performance } from 'node:perf_hooks';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface LevelRun {
  completed: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

/** `concurrency` loops each running `work` back to back for `seconds`; failures counted, not timed. */
export async function atConcurrency<T>(
  concurrency: number,
  seconds: number,
  work: () => Promise<T>,
): Promise<{ run: LevelRun; samples: T[] }> {
  const samples: T[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          samples.push(await work());
        } catch (error) {
          failed += 1;
          if (failed <= 3) console.warn(`  failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  return { run: { completed: samples.length, failed, seconds: elapsed, perSecond: samples.length / elapsed }, samples };
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number): number =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
