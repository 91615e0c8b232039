/** The enrollment's activity option profiles: how long each kind of step may take and how it is retried. */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import { nonRetryableErrorTypes } from '../../domain/errors.js';

/** Reads and writes of the issuer's own PostgreSQL. */
export const databaseStep: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 5, nonRetryableErrorTypes },
};

/** Calls to a card network: transient failures retried with backoff, declines not at all. */
export const networkCall: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 8,
    nonRetryableErrorTypes,
  },
};

/** Sending a code to the cardholder (SMS, e-mail). */
export const notification: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 4, nonRetryableErrorTypes },
};

/**
 * A short step run as a local activity. While it runs, the workflow task stays open, and queries and
 * updates of the enrollment wait for it: each attempt is cut at 5 s, and retries after the first 2 s of
 * backoff wait on timers, with the task closed (a slow SMS gateway, a token requestor cache refreshed
 * from the network).
 */
const localStep = { startToCloseTimeout: '5 seconds', localRetryThreshold: '2 seconds' } as const;

/** A database step as a local activity: its retries, the local step's limits. */
export const localDatabaseStep: LocalActivityOptions = { ...databaseStep, ...localStep };

/** A notification as a local activity: its retries, the local step's limits. */
export const localNotification: LocalActivityOptions = { ...notification, ...localStep };

/** Pure crypto with keys held by the worker: no extra round trip through the server. */
export const localCrypto: LocalActivityOptions = {
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
};

/** A webhook event's write: retried until the database takes it, however long that is. */
export const outcomeEvent: LocalActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes },
};
