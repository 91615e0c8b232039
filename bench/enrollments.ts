/**
 * Throughput and latency of whole enrollments on the local stack (npm start), driven as consumers drive
 * them (enrollment-driver.ts), at rising concurrency until the throughput stops rising; beside each level,
 * in the same run, the two floors Temporal sets on this machine (floors.ts): a bare workflow with as many
 * activities, and a workflow of the enrollment's whole Temporal shape, read from a real enrollment's
 * history (enrollment-shape.ts). The CPU of each process of the stack, of the bench and of the machine is
 * read for each measurement (process-cpu.ts).
 */
import { availableParallelism } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { atConcurrency, percentiles, type LevelRun, type Percentiles } from './at-concurrency.js';
import { EnrollmentDriver, type BenchStack, type EnrollmentSample } from './enrollment-driver.js';
import {
  describeCounts,
  describeScript,
  historyOf,
  shapeOf,
  workflowTasksIn,
  type ShapeCounts,
} from './enrollment-shape.js';
import { Floors } from './floors.js';
import { cpuPerRun, ratioCeilings, type CpuPerRun, type RatioCeilings } from './cpu-budget.js';
import { describeCpu, measuringCpu, type CpuShares } from './process-cpu.js';

export type { BenchStack } from './enrollment-driver.js';

export interface EnrollmentLevel {
  concurrency: number;
  enrollments: LevelRun & {
    /** Milliseconds: start -> the code in the consumer's inbox; code submitted -> redirect returned; the whole enrollment. */
    latency: { codeSent: Percentiles; redirect: Percentiles; whole: Percentiles };
    cpu: CpuShares;
  };
  /** As many activities and local activities as an enrollment, back to back, doing nothing. */
  bare: LevelRun & { latency: Percentiles; cpu: CpuShares };
  /** The enrollment's Temporal shape, every body empty. */
  shaped: LevelRun & { latency: Percentiles; cpu: CpuShares };
  /** The enrollments' throughput over each floor's: the share of Temporal's floor the engine reaches. */
  ratios: { bare: number; shaped: number };
  /** Milliseconds of CPU an enrollment and a shaped run cost, and the ratio those costs allow (cpu-budget.ts). */
  cpuPerRun: { enrollment: CpuPerRun; shaped: CpuPerRun };
  ceilings: RatioCeilings;
  /** Workflow tasks of the level's last enrollment and last shaped workflow (under load, retries add some). */
  workflowTasks: { enrollment: number; shaped: number };
}

export interface EnrollmentBench {
  /** One enrollment's Temporal shape, counted from its history. */
  shape: ShapeCounts;
  /** The same, counted from a shaped workflow's history (the bench fails when they differ). */
  shapedRun: ShapeCounts;
  levels: EnrollmentLevel[];
}

export async function benchmarkEnrollments(
  stack: BenchStack & { rootPid: number },
  options: { secondsPerLevel: number; levels: number[]; log: (line: string) => void },
): Promise<EnrollmentBench> {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // the bench worker's state changes are not news
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const driver = new EnrollmentDriver(stack, connection);
  try {
    // Warm up (the token requestor cache, JIT, connections), and read one enrollment's shape.
    let last: EnrollmentSample | undefined;
    for (let warmUp = 0; warmUp < 4; warmUp += 1) last = await driver.enrol(warmUp);
    const shape = shapeOf(await historyOf(client, last!.id));
    options.log(`one enrollment:     ${describeCounts(shape.counts)}`);

    const floors = await Floors.start(client, stack.temporalAddress, shape);
    try {
      let shaped: { workflowId: string } | undefined;
      for (let warmUp = 0; warmUp < 4; warmUp += 1) {
        await floors.bare();
        shaped = await floors.shaped();
      }
      const shapedShape = shapeOf(await historyOf(client, shaped!.workflowId));
      const shapedRun = shapedShape.counts;
      options.log(`one shaped workflow: ${describeCounts(shapedRun)}`);
      const differences = (Object.keys(shape.counts) as (keyof ShapeCounts)[]).filter(
        (key) => shape.counts[key] !== shapedRun[key],
      );
      if (differences.length > 0) {
        throw new Error(
          `the shaped floor does not have the enrollment's shape: ${differences.join(', ')} differ.\n` +
            `the enrollment:\n${describeScript(shape.script)}\na shaped workflow:\n${describeScript(shapedShape.script)}`,
        );
      }

      // The ratios the CPU allows need every level's measurements (below).
      const levels: Omit<EnrollmentLevel, 'ceilings'>[] = [];
      let sequence = 1_000;
      const measure = <T>(concurrency: number, work: () => Promise<T>) =>
        measuringCpu(stack.rootPid, () => atConcurrency(concurrency, options.secondsPerLevel, work));
      for (const concurrency of options.levels) {
        const enrollments = await measure(concurrency, () => driver.enrol(sequence++));
        const bare = await measure(concurrency, () => floors.bare());
        const shapedLevel = await measure(concurrency, () => floors.shaped());
        const samples = enrollments.result.samples;
        const tasksOfLast = async (runs: { id: string }[]): Promise<number> =>
          runs.length === 0 ? 0 : workflowTasksIn(await historyOf(client, runs.at(-1)!.id));
        const level: Omit<EnrollmentLevel, 'ceilings'> = {
          concurrency,
          enrollments: {
            ...enrollments.result.run,
            latency: {
              codeSent: percentiles(samples.map((sample) => sample.codeSentMs)),
              redirect: percentiles(samples.map((sample) => sample.redirectMs)),
              whole: percentiles(samples.map((sample) => sample.wholeMs)),
            },
            cpu: enrollments.cpu,
          },
          bare: { ...bare.result.run, latency: percentiles(bare.result.samples), cpu: bare.cpu },
          shaped: {
            ...shapedLevel.result.run,
            latency: percentiles(shapedLevel.result.samples.map((sample) => sample.ms)),
            cpu: shapedLevel.cpu,
          },
          ratios: {
            bare: enrollments.result.run.perSecond / bare.result.run.perSecond,
            shaped: enrollments.result.run.perSecond / shapedLevel.result.run.perSecond,
          },
          cpuPerRun: {
            enrollment: cpuPerRun(enrollments.cpu, enrollments.result.run.perSecond),
            shaped: cpuPerRun(shapedLevel.cpu, shapedLevel.result.run.perSecond),
          },
          workflowTasks: {
            enrollment: await tasksOfLast(samples),
            shaped: await tasksOfLast(shapedLevel.result.samples.map((sample) => ({ id: sample.workflowId }))),
          },
        };
        levels.push(level);
        options.log(
          `concurrency ${concurrency}: ${level.enrollments.perSecond.toFixed(2)} enrollments/s ` +
            `(${level.enrollments.failed} failed), shaped ${level.shaped.perSecond.toFixed(2)}/s ` +
            `(${level.shaped.failed} failed), bare ${level.bare.perSecond.toFixed(2)}/s; workflow tasks of the ` +
            `last enrollment ${level.workflowTasks.enrollment}, of the last shaped ${level.workflowTasks.shaped}`,
        );
        options.log(`  CPU, % of one core: enrollments: ${describeCpu(level.enrollments.cpu)}`);
        options.log(`                      shaped:      ${describeCpu(level.shaped.cpu)}`);
        options.log(`                      bare:        ${describeCpu(level.bare.cpu)}`);
        // Saturated: two levels in a row without 10 % more than the best before them.
        const rate = (index: number): number => levels[index]?.enrollments.perSecond ?? 0;
        const bestBefore = (index: number): number => Math.max(...levels.slice(0, index).map((_, at) => rate(at)));
        const flat = (index: number): boolean => index > 0 && rate(index) < bestBefore(index) * 1.1;
        if (flat(levels.length - 1) && flat(levels.length - 2)) break;
      }
      // The server's bound is the most of a core it reached in any measurement (at least one core).
      const serverCores = Math.max(
        1,
        ...levels
          .flatMap((level) => [level.enrollments.cpu, level.shaped.cpu, level.bare.cpu])
          .map((cpu) => cpu.byPart['Temporal server'] / 100),
      );
      const machine = { cores: availableParallelism(), serverCores };
      return {
        shape: shape.counts,
        shapedRun,
        levels: levels.map((level) => ({
          ...level,
          ceilings: ratioCeilings(level.cpuPerRun.enrollment, level.cpuPerRun.shaped, machine),
        })),
      };
    } finally {
      await floors.close();
    }
  } finally {
    await connection.close();
  }
}
