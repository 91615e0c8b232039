/** The enrollment's metrics: enrollments started and ended, and the time spent in each stage. */
import type { MetricMeter } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';
import type { EnrollmentStatus } from '../../domain/enrollment.js';

export type Stage = 'capture' | 'eligibility' | 'authentication' | 'push' | 'awaiting_token_requestor' | 'ended';

// Replay-safe: the SDK records these only when the workflow runs, not when it replays. Labels come from
// closed sets: the token requestor's id only once eligibility has found it among the network's.
export class StageMetrics {
  private meter: MetricMeter = metricMeter.withTags({ token_requestor: 'unlisted' });
  private stage: Stage = 'capture';
  private stageStartedAt = Date.now();

  constructor() {
    metricMeter.createCounter('pushprov_enrollments_started', 'enrollment', 'Enrollments started').add(1);
  }

  enterStage(next: Stage): void {
    this.meter
      .createHistogram('pushprov_enrollment_stage_duration', 'int', 'ms', 'Time spent in each stage')
      .record(Date.now() - this.stageStartedAt, { stage: this.stage });
    this.stage = next;
    this.stageStartedAt = Date.now();
  }

  /** Eligibility found the token requestor among the network's: its id becomes a label. */
  tokenRequestorListed(tokenRequestorId: string): void {
    this.meter = metricMeter.withTags({ token_requestor: tokenRequestorId });
  }

  ended(status: EnrollmentStatus, network: string): void {
    this.enterStage('ended');
    this.meter
      .createCounter('pushprov_enrollments_ended', 'enrollment', 'Enrollments ended, by status')
      .add(1, { status, network });
  }
}
