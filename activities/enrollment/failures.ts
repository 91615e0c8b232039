/** A business refusal of an enrollment activity: typed, never retried. */
import { ApplicationFailure } from '@temporalio/common';
import type { ErrorType } from '../../domain/errors.js';

export const nonRetryable = (type: ErrorType, message: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(message, type);
