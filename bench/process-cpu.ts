/**
 * Where the CPU goes while the bench measures: the processes of the local stack (the descendants of its
 * `npm start`, read from /proc, each counted under its part by its command line, or else its nearest
 * ancestor's), the bench's own process apart (its consumers, and the floors' worker), and the whole
 * machine, so that what else ran on the same cores shows too. Linux only.
 */
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

export const stackParts = [
  'Temporal server',
  'PostgreSQL',
  'worker',
  'API',
  'sandbox',
  'codec server',
  'others of the stack',
] as const;
export type StackPart = (typeof stackParts)[number];

/** Percent of one core over a measurement (200 is both cores of a two-core machine). */
export interface CpuShares {
  byPart: Record<StackPart, number>;
  /** How many processes each part had at the end (a worker may be several). */
  processes: Record<StackPart, number>;
  /** Every process of the stack. */
  stack: number;
  /** The bench's own process: its consumers, its Temporal client and, for the floors, their worker. */
  bench: number;
  /** The whole machine (from /proc/stat), and what of it was neither the stack nor the bench. */
  machine: number;
  outside: number;
}

interface CpuSnapshot {
  at: number;
  ticksByPid: Map<number, { part: StackPart; ticks: number }>;
  bench: NodeJS.CpuUsage;
  machineBusyTicks: number;
}

const partPatterns: [Exclude<StackPart, 'others of the stack'>, RegExp][] = [
  // The dev server (the CLI's `server start-dev`), or the server itself (`temporal-server start`).
  ['Temporal server', /\bstart-dev\b|(^|\/)temporal-server(\0|$)/],
  ['PostgreSQL', /(^|\/)postgres(\0|:|$)/],
  ['worker', /\/workers\/[\w-]+\.ts/],
  ['API', /\/api\/server\.ts/],
  ['sandbox', /\/sandbox\/[\w-]+\.ts/],
  ['codec server', /\/codec-server\/[\w-]+\.ts/],
];

const ticksPerSecond = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Measures the CPU of the stack (rooted at `rootPid`), of the bench and of the machine while `work` runs. */
export async function measuringCpu<T>(rootPid: number, work: () => Promise<T>): Promise<{ result: T; cpu: CpuShares }> {
  const before = await snapshot(rootPid);
  const result = await work();
  const after = await snapshot(rootPid);
  return { result, cpu: sharesBetween(before, after) };
}

async function snapshot(rootPid: number): Promise<CpuSnapshot> {
  const processes = new Map<number, { ppid: number; ticks: number; cmdline: string }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const [stat, cmdline] = await Promise.all([
      readFile(`/proc/${name}/stat`, 'utf8').catch(() => ''),
      readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => ''),
    ]);
    // After the command name (in parentheses, which may hold spaces): state, ppid, ... utime (14th), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.length < 13) continue;
    processes.set(Number(name), {
      ppid: Number(fields[1]),
      ticks: Number(fields[11]) + Number(fields[12]),
      cmdline,
    });
  }
  const ticksByPid = new Map<number, { part: StackPart; ticks: number }>();
  const partOf = (pid: number, inherited: StackPart): StackPart =>
    partPatterns.find(([, pattern]) => pattern.test(processes.get(pid)?.cmdline ?? ''))?.[0] ?? inherited;
  const visit = (pid: number, inherited: StackPart): void => {
    const part = partOf(pid, inherited);
    ticksByPid.set(pid, { part, ticks: processes.get(pid)?.ticks ?? 0 });
    for (const [child, { ppid }] of processes) if (ppid === pid) visit(child, part);
  };
  if (processes.has(rootPid)) visit(rootPid, 'others of the stack');
  const machine = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
  const busy = machine.slice(0, 8).reduce((sum, value, index) => (index === 3 || index === 4 ? sum : sum + value), 0);
  return { at: performance.now(), ticksByPid, bench: process.cpuUsage(), machineBusyTicks: busy };
}

function sharesBetween(before: CpuSnapshot, after: CpuSnapshot): CpuShares {
  const seconds = (after.at - before.at) / 1_000;
  const percent = (ticks: number): number => (ticks / ticksPerSecond / seconds) * 100;
  const zeroes = (): Record<StackPart, number> =>
    Object.fromEntries(stackParts.map((part) => [part, 0])) as Record<StackPart, number>;
  const byPart = zeroes();
  const processes = zeroes();
  for (const [pid, { part, ticks }] of after.ticksByPid) {
    processes[part] += 1;
    // A process started meanwhile counts from zero; one that ended meanwhile is lost (short-lived helpers).
    byPart[part] += percent(ticks - (before.ticksByPid.get(pid)?.ticks ?? 0));
  }
  const stack = Object.values(byPart).reduce((sum, value) => sum + value, 0);
  const benchMicros = after.bench.user - before.bench.user + (after.bench.system - before.bench.system);
  const bench = (benchMicros / 1e6 / seconds) * 100;
  const machine = percent(after.machineBusyTicks - before.machineBusyTicks);
  return { byPart, processes, stack, bench, machine, outside: Math.max(0, machine - stack - bench) };
}

/** The shares as one short line: the parts of the stack, then the bench and the rest of the machine. */
export function describeCpu(cpu: CpuShares): string {
  const parts = stackParts
    .filter((part) => cpu.byPart[part] >= 0.5)
    .map((part) => `${part} ${cpu.byPart[part].toFixed(0)}`)
    .join(', ');
  return `${parts}; bench ${cpu.bench.toFixed(0)}; outside ${cpu.outside.toFixed(0)} (machine ${cpu.machine.toFixed(0)})`;
}
