/** When the local stack starts a crashed child again, and when it gives up on one that keeps crashing. */

export interface RestartPolicyOptions {
  /** More crashes than this within `windowMs` and the supervisor gives up. */
  maxCrashes: number;
  windowMs: number;
  /** The wait before the first restart; it doubles with each crash in the window, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

/** Waits of 0.5, 1, 2, 4 and 8 s; a sixth crash within a minute stops the stack. */
export const defaultRestartPolicy: RestartPolicyOptions = {
  maxCrashes: 5,
  windowMs: 60_000,
  firstDelayMs: 500,
  maxDelayMs: 8_000,
};

export type RestartDecision =
  | { restart: true; delayMs: number; crashesInWindow: number }
  | { restart: false; crashesInWindow: number; reason: string };

export class RestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly options: RestartPolicyOptions = defaultRestartPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a crash and decides: restart after a delay, or give up (with the reason, for the log). */
  crashed(): RestartDecision {
    const { maxCrashes, windowMs, firstDelayMs, maxDelayMs } = this.options;
    const now = this.now();
    this.crashes = [...this.crashes.filter((at) => now - at < windowMs), now];
    const crashesInWindow = this.crashes.length;
    if (crashesInWindow > maxCrashes) {
      return {
        restart: false,
        crashesInWindow,
        reason: `it crashed ${crashesInWindow} times within ${windowMs / 1000} s`,
      };
    }
    return { restart: true, delayMs: Math.min(firstDelayMs * 2 ** (crashesInWindow - 1), maxDelayMs), crashesInWindow };
  }
}
