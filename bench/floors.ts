/**
 * The floors beside the enrollments, on a worker of the bench's own (a task queue of its own): the bare
 * workflow (as many activities, back to back) and the shaped workflow (an enrollment's Temporal shape), each
 * driven as the consumers drive an enrollment (the update and the signal sent from outside, over Temporal,
 * where the enrollment receives them) and timed from its start to its close.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { bareWorkflow } from './bare-workflow.js';
import type { EnrollmentShape } from './enrollment-shape.js';
import { shapedSignal, shapedUpdate, shapedWorkflow, type FloorActivities } from './shaped-workflow.js';

/** How long a driver waits for the step after which it sends a message. */
const announcementTimeoutMs = 15_000;

/** The shaped workflows' steps that tell their driver they ran, by workflow id and message. */
class Announcements {
  private readonly pending = new Map<string, (() => void)[]>();

  expect(workflowId: string, messages: number): Promise<void>[] {
    const resolvers: (() => void)[] = [];
    const points = Array.from({ length: messages }, () => new Promise<void>((resolve) => resolvers.push(resolve)));
    this.pending.set(workflowId, resolvers);
    return points;
  }

  announce(workflowId: string, message: number): void {
    this.pending.get(workflowId)?.[message]?.();
  }

  forget(workflowId: string): void {
    this.pending.delete(workflowId);
  }
}

export class Floors {
  private constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly shape: EnrollmentShape,
    private readonly announcements: Announcements,
    private readonly stop: () => Promise<void>,
  ) {}

  /** Starts the bench's worker for both floors; `shape` is the enrollment's, read from its history. */
  static async start(client: Client, temporalAddress: string, shape: EnrollmentShape): Promise<Floors> {
    const taskQueue = `bench-floors-${randomUUID()}`;
    const announcements = new Announcements();
    const activities: FloorActivities = {
      nothing: (announcement) => {
        const workflowId = Context.current().info.workflowExecution?.workflowId;
        if (announcement && workflowId) announcements.announce(workflowId, announcement.announce);
        return Promise.resolve();
      },
    };
    const connection = await NativeConnection.connect({ address: temporalAddress });
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('floor-workflows.ts', import.meta.url)),
      activities,
    });
    const running = worker.run();
    return new Floors(client, taskQueue, shape, announcements, async () => {
      worker.shutdown();
      await running;
      await connection.close();
    });
  }

  /** One bare workflow, as many activities and local activities as the enrollment; milliseconds. */
  async bare(): Promise<number> {
    const started = performance.now();
    await this.client.workflow.execute(bareWorkflow, {
      taskQueue: this.taskQueue,
      workflowId: `bench-bare-${randomUUID()}`,
      args: [this.shape.counts.activities, this.shape.counts.localActivities],
    });
    return performance.now() - started;
  }

  /**
   * One shaped workflow: started, each update sent once the step before it ran (awaited to its answer, as
   * the consumer awaits the redirect), each signal after the message before it, then awaited to its close.
   */
  async shaped(): Promise<{ workflowId: string; ms: number }> {
    const { tasks } = this.shape.script;
    const messages = tasks
      .flatMap((task) => task.wakes)
      .filter((wake) => wake.kind === 'update' || wake.kind === 'signal');
    const announced = new Set(
      tasks
        .flatMap((task) => task.steps)
        .flatMap((step) => ('announce' in step && step.announce !== undefined ? [step.announce] : [])),
    );
    const workflowId = `bench-shaped-${randomUUID()}`;
    const points = this.announcements.expect(workflowId, messages.length);
    const started = performance.now();
    try {
      const handle = await this.client.workflow.start(shapedWorkflow, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [this.shape.script],
      });
      for (const [index, message] of messages.entries()) {
        if (announced.has(index)) await within(points[index]!, announcementTimeoutMs, `message ${index + 1}'s step`);
        if (message.kind === 'update') await handle.executeUpdate(shapedUpdate);
        else await handle.signal(shapedSignal);
      }
      await handle.result();
      return { workflowId, ms: performance.now() - started };
    } finally {
      this.announcements.forget(workflowId);
    }
  }

  async close(): Promise<void> {
    await this.stop();
  }
}

async function within(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not run within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
