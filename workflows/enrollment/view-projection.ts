/**
 * The enrollment's view kept current outside the workflow, so that reading it wakes nothing: at the end of
 * every activation that changed the view, a sink hands it to the worker, which writes it to PostgreSQL
 * before the workflow task completes (the SDK runs sinks before it reports the activation). No command, no
 * history event, no workflow task of its own; not called while history replays (what it would write is
 * written already). Its version is the workflow task's history length, so a slow write from an earlier
 * task (another worker's, before a failover) never overwrites a later one.
 */
import { proxySinks, workflowInfo, type Sinks } from '@temporalio/workflow';
import type { EnrollmentView } from '../../domain/enrollment.js';

export interface EnrollmentViewSinks extends Sinks {
  enrollmentViews: {
    record(view: EnrollmentView, version: number): void;
  };
}

const { enrollmentViews } = proxySinks<EnrollmentViewSinks>();

/** This workflow's view (module state is per workflow execution) and the last one handed over. */
let projected: EnrollmentView | undefined;
let lastRecorded: string | undefined;

/** The enrollment's view, projected from now on at the end of each activation that changes it. */
export function projectView(view: EnrollmentView): void {
  projected = view;
}

/**
 * Called as each activation concludes (workflows/interceptors.ts). An activation that leaves a local
 * activity to run keeps its workflow task open: nothing it changed is recorded yet, so the view waits for
 * the activation that ends the task (one write a task, not one a step; a local activity's start is not
 * delayed by it). The exception: a local activity outliving the task's timeout, whose task the SDK
 * heartbeats; the view then shows the state before it until it ends.
 */
export function recordViewIfChanged({ taskStaysOpen }: { taskStaysOpen: boolean }): void {
  if (!projected || taskStaysOpen) return;
  const info = workflowInfo();
  if (info.unsafe.isReplaying) return;
  const snapshot = JSON.stringify(projected);
  if (snapshot === lastRecorded) return;
  lastRecorded = snapshot;
  enrollmentViews.record(JSON.parse(snapshot) as EnrollmentView, info.historyLength);
}
