/**
 * A child of the local stack that is started again when it crashes: after a wait that grows with each
 * crash, until the restart policy gives up on it (then the stack stops, saying why).
 */
import { describeExit, type ExitStatus } from './processes.js';
import type { RestartPolicy } from './restart-policy.js';

/** One run of the child: a process from its start to its exit. */
export interface ChildRun<T> {
  pid: number;
  /** Resolves with how the process ended, for whatever reason. */
  exited: Promise<ExitStatus>;
  /** Resolves with the child's ready message; rejects if it exits first. */
  ready: Promise<T>;
  /** Asks the process to stop (and makes sure it does); resolves once it is gone. */
  stop: () => Promise<void>;
}

export interface SupervisedChildOptions<T> {
  name: string;
  launch: () => ChildRun<T>;
  policy: RestartPolicy;
  log: (line: string) => void;
  /** True once the stack is stopping: a child that exits then is not started again. */
  stackStopping: () => boolean;
  /** Called once, when the policy gives up on the child; the stack should stop. */
  giveUp: (reason: string) => void;
}

export class SupervisedChild<T> {
  private current: ChildRun<T> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: SupervisedChildOptions<T>) {}

  get name(): string {
    return this.options.name;
  }

  /** The process running now (or the last one), -1 before the first. */
  get pid(): number {
    return this.current?.pid ?? -1;
  }

  /**
   * Starts the child; resolves with its ready message. A child that exits before it was ever ready is not
   * started again (that is a setup problem, not a crash): the promise rejects and the stack does not come up.
   */
  async start(): Promise<T> {
    const run = this.launch();
    const ready = await run.ready;
    this.watch(run);
    return ready;
  }

  /** Stops the child and cancels a restart it was waiting for; it is not started again. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    await this.current?.stop();
  }

  private launch(): ChildRun<T> {
    this.current = this.options.launch();
    return this.current;
  }

  private watch(run: ChildRun<T>): void {
    void run.exited.then((status) => this.crashed(run, status));
  }

  private crashed(run: ChildRun<T>, status: ExitStatus): void {
    const { name, policy, log } = this.options;
    if (this.stopped || this.options.stackStopping() || run !== this.current) return;
    const decision = policy.crashed();
    const how = describeExit(status);
    if (!decision.restart) {
      this.stopped = true;
      this.options.giveUp(`${name} keeps crashing: ${decision.reason} (the last time: ${how})`);
      return;
    }
    log(
      `${name} (pid ${run.pid}) exited unexpectedly (${how}); restarting it in ${decision.delayMs / 1000} s ` +
        `(crash ${decision.crashesInWindow} of ${policy.options.maxCrashes} allowed within ${policy.options.windowMs / 1000} s)`,
    );
    this.restartTimer = setTimeout(() => this.restart(), decision.delayMs);
  }

  private restart(): void {
    if (this.stopped || this.options.stackStopping()) return;
    const run = this.launch();
    // A run that exits before it is ready is one more crash, counted like the others.
    this.watch(run);
    run.ready.then(
      () => {
        if (run === this.current && !this.stopped) this.options.log(`restarted ${this.name} (pid ${run.pid})`);
      },
      () => undefined,
    );
  }
}
