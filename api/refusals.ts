/** How the API answers an update the enrollment refused: by the refusal's type, in one table, never by its text. */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import { ErrorType, isRefusalType, type RefusalType, type TooSoonDetails } from '../domain/errors.js';
import { sendProblem } from './problem.js';

/** Each refusal's status and problem title; the problem's detail is the enrollment's own words for the consumer. */
export const refusalAnswers: Record<RefusalType, { status: number; title: string }> = {
  // Sent again, the same request is refused again: malformed, not untimely.
  [ErrorType.InvalidRequest]: { status: 400, title: 'Invalid body' },
  [ErrorType.WrongAuthenticationMethod]: { status: 409, title: 'Not now' },
  [ErrorType.NotAwaited]: { status: 409, title: 'Not now' },
  // With Retry-After from the refusal's details.
  [ErrorType.TooSoon]: { status: 429, title: 'Not now' },
  [ErrorType.AttemptsExhausted]: { status: 409, title: 'Not now' },
  [ErrorType.CardAlreadyAdded]: { status: 409, title: 'Not now' },
  [ErrorType.EnrollmentEnded]: { status: 409, title: 'Not now' },
  // The SMS or e-mail gateway failed: asking again may work.
  [ErrorType.CodeNotSent]: { status: 503, title: 'Service Unavailable' },
};

/**
 * The failure types the Temporal server gives an update the workflow closed before taking: accepted but
 * not completed, or never delivered (temporalio/temporal, service/history/workflow/update/errors_failures.go).
 */
const closedBeforeTakingUpdate = new Set(['AcceptedUpdateCompletedWorkflow', 'UnprocessedUpdate']);

export interface UpdateRefusal {
  status: number;
  title: string;
  detail: string;
  retryAfterSeconds?: number;
}

const enrollmentEnded: UpdateRefusal = {
  ...refusalAnswers[ErrorType.EnrollmentEnded],
  detail: 'The enrollment has ended',
};

/**
 * The answer to an update that failed, when the failure is the enrollment's refusal or its end;
 * undefined for any other failure, which is the API's to answer (a 5xx).
 */
export function refusalOf(error: unknown): UpdateRefusal | undefined {
  // The server answers NOT_FOUND for an execution that has completed (or is past retention).
  if (error instanceof WorkflowNotFoundError) return enrollmentEnded;
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure)) return undefined;
  const failure = error.cause;
  if (failure.type && closedBeforeTakingUpdate.has(failure.type)) return enrollmentEnded;
  if (!isRefusalType(failure.type)) return undefined;
  const retryAfterSeconds = failure.type === ErrorType.TooSoon ? retryAfterSecondsIn(failure.details) : undefined;
  return {
    ...refusalAnswers[failure.type],
    detail: failure.message,
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
  };
}

function retryAfterSecondsIn(details: unknown[] | undefined | null): number | undefined {
  const seconds = (details?.[0] as Partial<TooSoonDetails> | undefined)?.retryAfterSeconds;
  return typeof seconds === 'number' && Number.isInteger(seconds) && seconds > 0 ? seconds : undefined;
}

export function answerRefusal(reply: FastifyReply, refusal: UpdateRefusal): FastifyReply {
  const retryAfter = refusal.retryAfterSeconds;
  return sendProblem(
    reply,
    refusal.status,
    refusal.title,
    refusal.detail,
    retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) },
  );
}
