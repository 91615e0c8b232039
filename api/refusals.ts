/** How the API answers an update the enrollment refused: by the refusal's type, in one table, never by its text. */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyReply } from 'fastify';
import { ErrorType, isRefusalType, type RefusalType, type TooSoonDetails } from '../domain/errors.js';
import { sendProblem } from './problem.js';

/**
 * Each refusal's status and problem: its type (a URI reference, `/problems/<name>`, that the API serves as
 * a description, RFC 9457 section 3.1.1), its title, and what it means. The problem's detail is the
 * enrollment's own words for the consumer.
 */
export const refusalAnswers: Record<RefusalType, RefusalAnswer> = {
  // Sent again, the same request is refused again: malformed, not untimely.
  [ErrorType.InvalidRequest]: {
    status: 400,
    name: 'invalid-request',
    title: 'Invalid body',
    meaning: 'The enrollment cannot take what was sent; sending it again is refused again',
  },
  [ErrorType.WrongAuthenticationMethod]: {
    status: 409,
    name: 'wrong-authentication-method',
    title: 'Not now',
    meaning: 'The enrollment authenticates the cardholder another way',
  },
  [ErrorType.NotAwaited]: {
    status: 409,
    name: 'not-awaited',
    title: 'Not now',
    meaning: 'The enrollment is not at the step this request belongs to',
  },
  // With Retry-After from the refusal's details.
  [ErrorType.TooSoon]: {
    status: 429,
    name: 'too-soon',
    title: 'Not now',
    meaning: 'Allowed, but not yet: Retry-After says when',
  },
  [ErrorType.AttemptsExhausted]: {
    status: 409,
    name: 'attempts-exhausted',
    title: 'Not now',
    meaning: 'Every attempt this step allows has been used',
  },
  [ErrorType.CardAlreadyAdded]: {
    status: 409,
    name: 'card-already-added',
    title: 'Not now',
    meaning: 'A card has already been added to the token requestor: the enrollment can no longer be undone',
  },
  [ErrorType.EnrollmentEnded]: {
    status: 409,
    name: 'enrollment-ended',
    title: 'Not now',
    meaning: 'The enrollment has ended',
  },
  // The SMS or e-mail gateway failed: asking again may work.
  [ErrorType.CodeNotSent]: {
    status: 503,
    name: 'code-not-sent',
    title: 'Service Unavailable',
    meaning: 'The one-time code could not be sent now; asking again may work',
  },
};

export interface RefusalAnswer {
  status: 400 | 409 | 429 | 503;
  /** The problem type's last segment: `/problems/<name>`. */
  name: string;
  title: string;
  meaning: string;
}

export const problemTypeOf = (answer: Pick<RefusalAnswer, 'name'>): string => `/problems/${answer.name}`;

/**
 * The failure types the Temporal server gives an update the workflow closed before taking: accepted but
 * not completed, or never delivered (temporalio/temporal, service/history/workflow/update/errors_failures.go).
 */
const closedBeforeTakingUpdate = new Set(['AcceptedUpdateCompletedWorkflow', 'UnprocessedUpdate']);

export interface UpdateRefusal {
  status: number;
  type: string;
  title: string;
  detail: string;
  retryAfterSeconds?: number;
}

const answerOf = (type: RefusalType, detail: string): UpdateRefusal => {
  const answer = refusalAnswers[type];
  return { status: answer.status, type: problemTypeOf(answer), title: answer.title, detail };
};

const enrollmentEnded = answerOf(ErrorType.EnrollmentEnded, 'The enrollment has ended');

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
    ...answerOf(failure.type, failure.message),
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
    refusal.type,
  );
}
