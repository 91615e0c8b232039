// Stopping a child of the local stack: SIGTERM, then SIGKILL to its own process group after the grace
// period; and never a signal to the supervisor's own group, which a child without a pid would name.
import { EventEmitter } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { gracePeriodMs, stopChild } from '../../stack/processes.js';

/** A child as spawn returns it, which records the signals sent to it and exits when told to. */
function fakeChild(pid: number | undefined): ChildProcess & { signals: string[]; exit: () => void } {
  const child = Object.assign(new EventEmitter(), {
    pid,
    exitCode: null as number | null,
    signalCode: null as NodeJS.Signals | null,
    signals: [] as string[],
    kill(signal: NodeJS.Signals) {
      child.signals.push(signal);
      return pid !== undefined;
    },
    exit() {
      child.exitCode = 0;
      child.emit('exit', 0, null);
    },
  });
  return child as unknown as ChildProcess & { signals: string[]; exit: () => void };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('stopChild', () => {
  it('signals no process group at all for a child that never started (no pid), and does not wait for it', async () => {
    vi.useFakeTimers();
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const child = fakeChild(undefined);
    let stopped = false;
    void stopChild(child, 'worker', () => undefined).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(gracePeriodMs + 1_000);
    expect(kill).not.toHaveBeenCalled();
    expect(stopped).toBe(true);
  });

  it("kills a child's own process group when it outlives the grace period", async () => {
    vi.useFakeTimers();
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    const child = fakeChild(4242);
    const log = vi.fn();
    const stopping = stopChild(child, 'worker', log);
    expect(child.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(gracePeriodMs);
    expect(kill.mock.calls).toEqual([[-4242, 'SIGKILL']]);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('worker (pid 4242) did not stop within 15 s'));
    child.exit();
    await stopping;
  });
});
