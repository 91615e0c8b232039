/**
 * What a set-up started, stopped in the reverse order: all of it at the end, or what was started so far when a
 * later step fails (a stack whose API cannot listen must not leave its Temporal server running).
 */
export class Teardown {
  private readonly steps: (() => unknown)[] = [];

  /** Registers how to stop what was just started. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step, newest first, each even when one before it failed; rejects with the first failure. */
  async run(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Stops what was started, then rethrows what made the set-up fail. */
  async abandon(cause: unknown): Promise<never> {
    await this.run().catch(() => undefined);
    throw cause;
  }
}
