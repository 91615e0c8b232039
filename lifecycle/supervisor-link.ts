/**
 * A process's side of its contract with whatever supervises it (npm start's stack/, or a container
 * runtime): it says when it is ready, stops when its supervisor goes away, and finishes the work under
 * way within the drain deadline.
 */

/**
 * How long a process gives the work under way (requests, activities) to finish once asked to stop, well
 * inside its supervisor's grace period (stack/processes.ts): what is still running then is cut off, and
 * the process exits on its own.
 */
export const drainDeadlineMs = 10_000;

/**
 * Calls `onOrphaned` when the supervisor's IPC channel closes (the supervisor died or stopped us),
 * including when it closed before this was called. Returns a way to stop listening. Without a supervisor
 * (a container, `node` by hand) there is nothing to watch.
 */
export function whenOrphaned(onOrphaned: () => void): () => void {
  if (!process.send) return () => undefined;
  if (!process.connected) {
    queueMicrotask(onOrphaned);
    return () => undefined;
  }
  process.once('disconnect', onOrphaned);
  return () => process.off('disconnect', onOrphaned);
}

/** Tells the supervisor the process is ready, if there is one still there to hear it. */
export function reportReady<T extends { type: 'ready' }>(message: T): void {
  if (process.connected) process.send?.(message);
}

export interface Shutdown {
  /** Stops the process's work (once, however often asked), as a signal would: for a start that failed. */
  stop(): Promise<void>;
  /** Whether stopping was asked for already (a signal during the start). */
  readonly requested: boolean;
}

/**
 * Runs `stopWork` once, on SIGINT / SIGTERM or when the supervisor goes away (also if it went away while
 * the process was starting), then lets go of the IPC channel, which would keep the process alive.
 */
export function stopOnSignalOrOrphaned(stopWork: () => Promise<void>): Shutdown {
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await stopWork();
      if (process.connected) process.disconnect();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop());
  whenOrphaned(() => void stop());
  return {
    stop,
    get requested() {
      return stopping !== undefined;
    },
  };
}
