/**
 * What a run costs in CPU, and the ratio those costs allow. An enrollment and a shaped floor run each cost
 * milliseconds of CPU in every process (the shares of process-cpu.ts over the throughput). Saturated, a
 * run's throughput is bounded twice: by the machine's cores, which every process of the stack and the bench
 * share, and by the Temporal server, whose own share tops out near one core (the dev server writes one
 * SQLite file; the floor alone saturates it). The bench prints, beside the measured ratio, the ratio these
 * bounds predict on this machine and the one they allow with cores to spare for everything but the server,
 * so that a report says whether a target is within the CPU's reach before any lever is tried.
 */
import { stackParts, type CpuShares, type StackPart } from './process-cpu.js';

/** Milliseconds of CPU one run costs: by part of the stack, the bench's own process, and the whole machine. */
export interface CpuPerRun {
  byPart: Record<StackPart, number>;
  bench: number;
  machine: number;
}

/** The ratio of enrollments to shaped runs per second that the CPU costs allow. */
export interface RatioCeilings {
  /** On this machine: each run bounded by the cores and by the server, enrollments over shaped runs. */
  thisMachine: number;
  /** With cores to spare for all but the Temporal server: the server's cost per shaped run over per enrollment. */
  serverBound: number;
}

/** A share of one core over a second, as milliseconds of CPU per run at `perSecond` runs a second. */
const perRun = (percent: number, perSecond: number): number => (perSecond > 0 ? (percent * 10) / perSecond : 0);

export function cpuPerRun(cpu: CpuShares, perSecond: number): CpuPerRun {
  return {
    byPart: Object.fromEntries(stackParts.map((part) => [part, perRun(cpu.byPart[part], perSecond)])) as Record<
      StackPart,
      number
    >,
    bench: perRun(cpu.bench, perSecond),
    machine: perRun(cpu.machine, perSecond),
  };
}

/**
 * `serverCores` is how much of a core the Temporal server can use at most: the highest share it reached in
 * the run (at least one core), since the dev server's bound is its SQLite file rather than the machine.
 */
export function ratioCeilings(
  enrollment: CpuPerRun,
  shaped: CpuPerRun,
  machine: { cores: number; serverCores: number },
): RatioCeilings {
  const server = (run: CpuPerRun): number => run.byPart['Temporal server'];
  const bound = (run: CpuPerRun): number =>
    Math.min((machine.cores * 1_000) / run.machine, (machine.serverCores * 1_000) / server(run));
  return { thisMachine: bound(enrollment) / bound(shaped), serverBound: server(shaped) / server(enrollment) };
}
