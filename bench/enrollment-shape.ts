/**
 * An enrollment's Temporal shape, read from its real history: how many workflow tasks, activities, local
 * activities, timers, upserts, patches, updates and signals it costs, and the same as a script the shaped
 * floor (shaped-workflow.ts) replays: per workflow task, what woke it and which commands it gave.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { ShapedWorkflowInput, ShapeStep, ShapeTask } from './shaped-workflow.js';

export interface ShapeCounts {
  workflowTasks: number;
  activities: number;
  localActivities: number;
  timersStarted: number;
  timersCancelled: number;
  timersFired: number;
  searchAttributeUpserts: number;
  /** Markers that are not local activities: `patched()`. */
  patches: number;
  updates: number;
  signals: number;
}

export interface EnrollmentShape {
  counts: ShapeCounts;
  script: ShapedWorkflowInput;
}

/** The search attribute the SDK upserts after a patch's marker, of itself. */
const changeVersionKey = 'TemporalChangeVersion';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const { EventType } = proto.temporal.api.enums.v1;

/** The events of a workflow's history, read from the server. */
export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  return (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
}

/** How many workflow tasks a history completed (under load, more than its shape: retried or timed out). */
export function workflowTasksIn(events: HistoryEvent[]): number {
  return events.filter((event) => event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length;
}

/** What happened after the workflow's start and is neither a wake nor a command: nothing to replay. */
const bookkeeping = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  // An attempt that did not complete: the task is retried, and its retry is the one replayed.
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
]);

/** The shape of one closed workflow's history; throws on what the shaped floor cannot replay. */
export function shapeOf(events: HistoryEvent[]): EnrollmentShape {
  const tasks: ShapeTask[] = [];
  let wakes: ShapeTask['wakes'] = [{ kind: 'start' }];
  const activityIds = new Map<string, number>();
  const timerIds = new Map<string, number>();
  let patches = 0;
  let updatesOpen = 0;
  const unsupported = (event: HistoryEvent): never => {
    throw new Error(
      `the shaped floor cannot replay event ${String(event.eventId)} (${EventType[event.eventType ?? 0]})`,
    );
  };
  const step = (event: HistoryEvent, command: ShapeStep): void => {
    const task = tasks.at(-1);
    if (!task) unsupported(event);
    task!.steps.push(command);
  };
  for (const event of events) {
    const type = event.eventType ?? EventType.EVENT_TYPE_UNSPECIFIED;
    if (bookkeeping.has(type)) continue;
    switch (type) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        tasks.push({ wakes, steps: [] });
        wakes = [];
        break;
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(
          event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        const patch = tasks.at(-1)?.steps.at(-1);
        // The SDK's own upsert after a patch's marker: the patch brings it.
        if (fields.join() === changeVersionKey && patch?.kind === 'patch') patch.changeVersion = true;
        else step(event, { kind: 'upsert' });
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
          step(event, { kind: 'localActivity' });
        } else step(event, { kind: 'patch', id: (patches += 1) });
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const id = activityIds.size + 1;
        activityIds.set(String(event.eventId), id);
        step(event, { kind: 'activity', id });
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const id = activityIds.get(String(event.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (id === undefined) unsupported(event);
        wakes.push({ kind: 'activity', id: id! });
        break;
      }
      case EventType.EVENT_TYPE_TIMER_STARTED: {
        const id = timerIds.size + 1;
        const { timerId, startToFireTimeout } = event.timerStartedEventAttributes ?? {};
        timerIds.set(String(timerId), id);
        const seconds = Number(startToFireTimeout?.seconds ?? 0) + (startToFireTimeout?.nanos ?? 0) / 1e9;
        step(event, { kind: 'startTimer', id, seconds });
        break;
      }
      case EventType.EVENT_TYPE_TIMER_CANCELED: {
        const id = timerIds.get(String(event.timerCanceledEventAttributes?.timerId));
        if (id === undefined) unsupported(event);
        step(event, { kind: 'cancelTimer', id: id! });
        break;
      }
      case EventType.EVENT_TYPE_TIMER_FIRED: {
        const id = timerIds.get(String(event.timerFiredEventAttributes?.timerId));
        if (id === undefined) unsupported(event);
        wakes.push({ kind: 'timer', id: id! });
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        // Accepted as the task it was delivered to completed: that task was woken by it.
        if (tasks.length === 0) unsupported(event);
        tasks.at(-1)!.wakes.push({ kind: 'update' });
        updatesOpen += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        step(event, { kind: 'completeUpdate' });
        updatesOpen -= 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // The driver sends a signal once the update before it answered, as the consumer does.
        if (updatesOpen > 0) unsupported(event);
        wakes.push({ kind: 'signal' });
        break;
      default:
        unsupported(event);
    }
  }
  tasks.forEach((task, index) => {
    if (task.wakes.length === 0) throw new Error(`workflow task ${index + 1} was woken by nothing the floor replays`);
  });
  announceMessagePoints(tasks);
  return { counts: countsOf(tasks), script: { tasks } };
}

/**
 * Marks, for each update and signal, the last activity or local activity run before the task it wakes (and
 * after the previous message): its body tells the driver, who then sends the message, as the engine's
 * consumer sends the code once the local activity that sent it ran.
 */
function announceMessagePoints(tasks: ShapeTask[]): void {
  let message = 0;
  let since = 0;
  tasks.forEach((task, index) => {
    if (!task.wakes.some((wake) => wake.kind === 'update' || wake.kind === 'signal')) return;
    const runs = tasks
      .slice(since, index)
      .flatMap((earlier) => earlier.steps)
      .filter((step) => step.kind === 'activity' || step.kind === 'localActivity');
    const point = runs.at(-1);
    if (point) point.announce = message;
    message += 1;
    since = index;
  });
}

/** How many workflow tasks, commands and messages a script costs. */
export function countsOf(tasks: ShapeTask[]): ShapeCounts {
  const steps = tasks.flatMap((task) => task.steps);
  const wakes = tasks.flatMap((task) => task.wakes);
  const stepsOf = (kind: ShapeStep['kind']): number => steps.filter((step) => step.kind === kind).length;
  return {
    workflowTasks: tasks.length,
    activities: stepsOf('activity'),
    localActivities: stepsOf('localActivity'),
    timersStarted: stepsOf('startTimer'),
    timersCancelled: stepsOf('cancelTimer'),
    timersFired: wakes.filter((wake) => wake.kind === 'timer').length,
    searchAttributeUpserts:
      stepsOf('upsert') + steps.filter((step) => step.kind === 'patch' && step.changeVersion).length,
    patches: stepsOf('patch'),
    updates: wakes.filter((wake) => wake.kind === 'update').length,
    signals: wakes.filter((wake) => wake.kind === 'signal').length,
  };
}

/** A short line of the counts, for the bench's log. */
export function describeCounts(counts: ShapeCounts): string {
  return (
    `${counts.workflowTasks} workflow tasks, ${counts.activities} activities, ${counts.localActivities} local ` +
    `activities, ${counts.timersStarted} timers started (${counts.timersCancelled} cancelled, ` +
    `${counts.timersFired} fired), ${counts.searchAttributeUpserts} search attribute upserts, ` +
    `${counts.patches} patches, ${counts.updates} updates, ${counts.signals} signals`
  );
}

/** The script, a line per workflow task: what woke it, then its commands. */
export function describeScript({ tasks }: ShapedWorkflowInput): string {
  return tasks
    .map(
      (task, index) =>
        `task ${index + 1} (${task.wakes.map((wake) => wake.kind).join(' + ')}): ` +
        task.steps
          .map((step) => (step.kind === 'patch' && step.changeVersion ? 'patch (+ upsert)' : step.kind))
          .join(', '),
    )
    .join('\n');
}
