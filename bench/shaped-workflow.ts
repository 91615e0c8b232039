/**
 * The floor of an enrollment's shape: a workflow that replays, with every body empty, the Temporal shape of
 * a real enrollment's history (bench/enrollment-shape.ts writes it as a script): for each workflow task, what
 * wakes it (its start, an activity's completion, a timer, the update, the signal) and the commands it gives
 * (activities and local activities, timers started and cancelled, search attribute upserts, patches, the
 * update's completion). Run by the bench's own worker on a task queue of its own.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { EnrollmentStatusKey } from '../domain/search-attributes.js';

/** What wakes a workflow task. */
export type ShapeWake =
  | { kind: 'start' }
  | { kind: 'activity'; id: number }
  | { kind: 'timer'; id: number }
  | { kind: 'update' }
  | { kind: 'signal' };

/** A command of a workflow task; `announce` tells the bench's driver that this step ran (see floors.ts). */
export type ShapeStep =
  | { kind: 'activity'; id: number; announce?: number }
  | { kind: 'localActivity'; announce?: number }
  | { kind: 'upsert' }
  /** `changeVersion`: the SDK upserts TemporalChangeVersion after the marker (it does so of itself). */
  | { kind: 'patch'; id: number; changeVersion?: boolean }
  | { kind: 'startTimer'; id: number; seconds: number }
  | { kind: 'cancelTimer'; id: number }
  | { kind: 'completeUpdate' };

export interface ShapeTask {
  wakes: ShapeWake[];
  steps: ShapeStep[];
}

export interface ShapedWorkflowInput {
  tasks: ShapeTask[];
}

/** Activities that do nothing but, when asked, tell the driver that they ran. */
export interface FloorActivities {
  nothing(announcement?: { announce: number }): Promise<void>;
}

/** As the consumer's code submission: its answer comes when the workflow completes it. */
export const shapedUpdate = defineUpdate<void>('shapedUpdate');
/** As the token requestor's tokenisation, which reaches the enrollment as a signal. */
export const shapedSignal = defineSignal('shapedSignal');

const { nothing } = proxyActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });
const { nothing: nothingLocally } = proxyLocalActivities<FloorActivities>({ startToCloseTimeout: '10 seconds' });

export async function shapedWorkflow({ tasks }: ShapedWorkflowInput): Promise<void> {
  const messages = { updates: 0, updatesReleased: 0, signals: 0 };
  setHandler(shapedUpdate, async () => {
    const mine = (messages.updates += 1);
    await condition(() => messages.updatesReleased >= mine);
  });
  setHandler(shapedSignal, () => void (messages.signals += 1));

  const activities = new Map<number, Promise<void>>();
  const timers = new Map<number, { scope: CancellationScope; fired: Promise<void> }>();
  const awaited = { updates: 0, signals: 0 };
  const announcement = (announce: number | undefined): [{ announce: number }] | [] =>
    announce === undefined ? [] : [{ announce }];
  for (const task of tasks) {
    for (const wake of task.wakes) {
      if (wake.kind === 'activity') await activities.get(wake.id);
      else if (wake.kind === 'timer') await timers.get(wake.id)?.fired;
      else if (wake.kind === 'update') {
        const expected = (awaited.updates += 1);
        await condition(() => messages.updates >= expected);
      } else if (wake.kind === 'signal') {
        const expected = (awaited.signals += 1);
        await condition(() => messages.signals >= expected);
      }
    }
    for (const step of task.steps) {
      if (step.kind === 'localActivity') await nothingLocally(...announcement(step.announce));
      else if (step.kind === 'activity') activities.set(step.id, nothing(...announcement(step.announce)));
      else if (step.kind === 'upsert') upsertSearchAttributes([{ key: EnrollmentStatusKey, value: 'BENCH' }]);
      else if (step.kind === 'patch') patched(`bench-shape-${step.id}`);
      else if (step.kind === 'startTimer') {
        const scope = new CancellationScope();
        const fired = scope.run(() => sleep(step.seconds * 1_000));
        fired.catch(() => undefined); // a cancelled timer is the shape, not a failure
        timers.set(step.id, { scope, fired });
      } else if (step.kind === 'cancelTimer') timers.get(step.id)?.scope.cancel();
      else messages.updatesReleased += 1;
    }
  }
  await condition(allHandlersFinished);
}
