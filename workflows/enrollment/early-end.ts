/** How a stage ends the enrollment before its story is over: a decline, a failure, a cancellation. */
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import type { EnrollmentStatus } from '../../domain/enrollment.js';
import { ErrorType } from '../../domain/errors.js';

/** Thrown from anywhere in the flow: the enrollment ends with this status and reason. */
export class EarlyEnd extends Error {
  constructor(
    readonly status: EnrollmentStatus,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Runs an activity; a failure it cannot recover from ends the enrollment with `status` and its message. */
export async function orEnd<T>(status: EnrollmentStatus, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isCancellation(error)) throw error;
    // An activity's failure comes as its cause; a local activity's, as itself.
    const cause = (error as { cause?: unknown }).cause;
    const failure =
      error instanceof ApplicationFailure ? error : cause instanceof ApplicationFailure ? cause : undefined;
    const declined = failure?.type === ErrorType.NetworkDeclined || failure?.type === ErrorType.NotEligible;
    throw new EarlyEnd(declined ? 'DECLINED' : status, failure?.message ?? 'An internal step failed');
  }
}
