// The local stack's restarts, with fake children: a crashed child is started again after a growing wait,
// one that keeps crashing makes the supervisor give up (the stack then stops, saying why), and nothing is
// started again once the stack is stopping.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { ExitStatus } from '../../stack/processes.js';
import { RestartPolicy, type RestartPolicyOptions } from '../../stack/restart-policy.js';
import { SupervisedChild, type ChildRun } from '../../stack/supervised-child.js';

interface FakeRun extends ChildRun<{ type: 'ready' }> {
  becomeReady: () => void;
  crash: (status: ExitStatus) => void;
}

const killed: ExitStatus = { code: null, signal: 'SIGKILL' };
const failed: ExitStatus = { code: 1, signal: null };
const quickPolicy: RestartPolicyOptions = { maxCrashes: 2, windowMs: 60_000, firstDelayMs: 10, maxDelayMs: 1_000 };

function fakeChildren(): { runs: FakeRun[]; launch: () => FakeRun } {
  const runs: FakeRun[] = [];
  const launch = (): FakeRun => {
    let exit!: (status: ExitStatus) => void;
    let ready!: () => void;
    let notReady!: (error: Error) => void;
    const exited = new Promise<ExitStatus>((resolve) => (exit = resolve));
    const readyMessage = new Promise<{ type: 'ready' }>((resolve, reject) => {
      ready = () => resolve({ type: 'ready' });
      notReady = reject;
    });
    readyMessage.catch(() => undefined);
    const run: FakeRun = {
      pid: 1000 + runs.length,
      exited,
      ready: readyMessage,
      stop: vi.fn(() => {
        notReady(new Error('stopped'));
        exit({ code: 0, signal: null });
        return Promise.resolve();
      }),
      becomeReady: ready,
      crash: (status) => {
        notReady(new Error('exited before it was ready'));
        exit(status);
      },
    };
    runs.push(run);
    return run;
  };
  return { runs, launch };
}

function supervise(options: { stackStopping?: () => boolean } = {}) {
  const { runs, launch } = fakeChildren();
  const log = vi.fn<(line: string) => void>();
  const giveUp = vi.fn<(reason: string) => void>();
  const child = new SupervisedChild({
    name: 'worker',
    launch,
    policy: new RestartPolicy(quickPolicy),
    log,
    stackStopping: options.stackStopping ?? (() => false),
    giveUp,
  });
  return { child, runs, log, giveUp };
}

const launched = (runs: FakeRun[], count: number): Promise<void> => vi.waitFor(() => expect(runs).toHaveLength(count));

describe('a supervised child of the local stack', () => {
  it('is started again after it crashed, and the new process is the one stopped later', async () => {
    const { child, runs, log, giveUp } = supervise();
    const starting = child.start();
    runs[0]!.becomeReady();
    expect(await starting).toEqual({ type: 'ready' });

    runs[0]!.crash(killed);
    await launched(runs, 2);
    expect(log).toHaveBeenCalledWith(
      'worker (pid 1000) exited unexpectedly (signal SIGKILL); restarting it in 0.01 s (crash 1 of 2 allowed within 60 s)',
    );
    runs[1]!.becomeReady();
    await vi.waitFor(() => expect(log).toHaveBeenLastCalledWith('restarted worker (pid 1001)'));
    expect(child.pid).toBe(1001);

    await child.stop();
    expect(runs[1]!.stop).toHaveBeenCalled();
    expect(runs).toHaveLength(2); // a stopped child is not started again
    expect(giveUp).not.toHaveBeenCalled();
  });

  it('gives up on a child that keeps crashing, even before it is ready again, saying why', async () => {
    const { child, runs, giveUp } = supervise();
    const starting = child.start();
    runs[0]!.becomeReady();
    await starting;

    runs[0]!.crash(killed);
    await launched(runs, 2);
    runs[1]!.crash(failed); // it never became ready: one more crash
    await launched(runs, 3);
    runs[2]!.becomeReady();
    runs[2]!.crash(failed);
    await vi.waitFor(() => expect(giveUp).toHaveBeenCalledTimes(1));
    expect(giveUp).toHaveBeenCalledWith(
      'worker keeps crashing: it crashed 3 times within 60 s (the last time: exit code 1)',
    );
    expect(runs).toHaveLength(3);
  });

  it('is not started again when it exits while the stack is stopping', async () => {
    let stopping = false;
    const { child, runs, log, giveUp } = supervise({ stackStopping: () => stopping });
    const starting = child.start();
    runs[0]!.becomeReady();
    await starting;
    stopping = true;
    runs[0]!.crash(failed);
    await sleep(50); // longer than the policy's first wait
    expect(runs).toHaveLength(1);
    expect(log).not.toHaveBeenCalled();
    expect(giveUp).not.toHaveBeenCalled();
  });

  it('does not restart a child that cannot start at all: the stack does not come up', async () => {
    const { child, runs } = supervise();
    const starting = child.start();
    runs[0]!.crash(failed);
    await expect(starting).rejects.toThrow('exited before it was ready');
    await sleep(50);
    expect(runs).toHaveLength(1);
  });

  it('cancels a restart it was waiting for when stopped', async () => {
    const { child, runs } = supervise();
    const starting = child.start();
    runs[0]!.becomeReady();
    await starting;
    runs[0]!.crash(killed);
    await child.stop();
    await sleep(50);
    expect(runs).toHaveLength(1);
  });
});

describe('the restart policy', () => {
  it('doubles the wait with each crash in the window, up to its cap, and forgets crashes older than the window', () => {
    let now = 0;
    const policy = new RestartPolicy(
      { maxCrashes: 5, windowMs: 60_000, firstDelayMs: 500, maxDelayMs: 4_000 },
      () => now,
    );
    const delays: (number | string)[] = [];
    for (let crash = 0; crash < 5; crash += 1) {
      const decision = policy.crashed();
      delays.push(decision.restart ? decision.delayMs : 'gave up');
      now += 1_000;
    }
    expect(delays).toEqual([500, 1_000, 2_000, 4_000, 4_000]);
    expect(policy.crashed()).toEqual({ restart: false, crashesInWindow: 6, reason: 'it crashed 6 times within 60 s' });

    now += 60_000; // a minute without a crash: a new crash is the first again
    expect(policy.crashed()).toEqual({ restart: true, delayMs: 500, crashesInWindow: 1 });
  });
});
