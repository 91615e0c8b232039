import { describe, expect, it } from 'vitest';
import { cpuPerRun, ratioCeilings } from '../../bench/cpu-budget.js';
import { stackParts, type CpuShares, type StackPart } from '../../bench/process-cpu.js';

const shares = (byPart: Partial<Record<StackPart, number>>, bench: number, machine: number): CpuShares => {
  const full = Object.fromEntries(stackParts.map((part) => [part, byPart[part] ?? 0])) as Record<StackPart, number>;
  const stack = Object.values(full).reduce((sum, value) => sum + value, 0);
  return {
    byPart: full,
    processes: Object.fromEntries(stackParts.map((part) => [part, 1])) as Record<StackPart, number>,
    stack,
    bench,
    machine,
    outside: Math.max(0, machine - stack - bench),
  };
};

describe("the bench's CPU budget", () => {
  it('turns shares of a core into milliseconds of CPU a run', () => {
    // 55 % of a core at 12.5 runs a second: 550 ms of CPU a second over 12.5 runs.
    const run = cpuPerRun(shares({ 'Temporal server': 55, worker: 60 }, 15, 190), 12.5);
    expect(run.byPart['Temporal server']).toBeCloseTo(44);
    expect(run.byPart.worker).toBeCloseTo(48);
    expect(run.byPart.API).toBe(0);
    expect(run.bench).toBeCloseTo(12);
    expect(run.machine).toBeCloseTo(152);
    expect(cpuPerRun(shares({ worker: 10 }, 0, 10), 0).machine).toBe(0);
  });

  it('predicts the ratio from the bound each run meets first', () => {
    const enrollment = cpuPerRun(shares({ 'Temporal server': 55 }, 0, 190), 12.5); // server 44 ms, machine 152 ms
    const shaped = cpuPerRun(shares({ 'Temporal server': 100 }, 0, 175), 31.25); // server 32 ms, machine 56 ms
    const ceilings = ratioCeilings(enrollment, shaped, { cores: 2, serverCores: 1 });
    // Enrollments: the cores first (2000 / 152 = 13.2/s, the server would allow 22.7/s).
    // Shaped runs: the server first (1000 / 32 = 31.25/s, the cores would allow 35.7/s).
    expect(ceilings.thisMachine).toBeCloseTo(2000 / 152 / 31.25, 3);
    expect(ceilings.serverBound).toBeCloseTo(32 / 44, 3);
    // With cores to spare on this machine too, only the server bounds both.
    expect(ratioCeilings(enrollment, shaped, { cores: 64, serverCores: 1 }).thisMachine).toBeCloseTo(32 / 44, 3);
  });
});
