/** The activities as the enrollment calls them: which run as local activities, and since when. */
import { patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { EnrollmentActivities } from '../../activities/enrollment/activity-types.js';
import {
  databaseStep,
  localCrypto,
  localDatabaseStep,
  localNotification,
  networkCall,
  notification,
  outcomeEvent,
} from './activity-profiles.js';

export type ShortSteps = Pick<
  EnrollmentActivities,
  'captureCards' | 'checkEligibility' | 'recordToken' | 'sendOneTimeCode'
>;

/** Picks the short steps out of an activity proxy (a Proxy: its functions exist only when named). */
function shortStepsOf(database: EnrollmentActivities, notifications: EnrollmentActivities): ShortSteps {
  return {
    captureCards: (input) => database.captureCards(input),
    checkEligibility: (input) => database.checkEligibility(input),
    recordToken: (input) => database.recordToken(input),
    sendOneTimeCode: (input) => notifications.sendOneTimeCode(input),
  };
}

/**
 * The short steps as activities: each a round trip through the Temporal server. Enrollments started
 * before the local-steps patch run them so; reading a card picture (OCR, seconds) always does.
 */
export const remoteSteps = shortStepsOf(
  proxyActivities<EnrollmentActivities>(databaseStep),
  proxyActivities<EnrollmentActivities>(notification),
);

/**
 * The same steps as local activities, run by the worker that runs the workflow task: one round trip
 * through the server less each (see bench/). They are idempotent like any activity (at least once: a
 * vault write keyed by the card, a code derived from its sequence number, an inventory upsert), and
 * usually take milliseconds.
 */
const localSteps = shortStepsOf(
  proxyLocalActivities<EnrollmentActivities>(localDatabaseStep),
  proxyLocalActivities<EnrollmentActivities>(localNotification),
);

const localStepsPatch = 'short-steps-as-local-activities';

/** The short steps this enrollment runs: local ones, unless it started before they were. */
export function shortSteps(): ShortSteps {
  return patched(localStepsPatch) ? localSteps : remoteSteps;
}

export const { pushCards } = proxyActivities<EnrollmentActivities>(networkCall);

export const { checkOneTimeCode, verifySessionAssertion } = proxyLocalActivities<EnrollmentActivities>(localCrypto);

/** Keys held by the worker and one database write: a local activity, so that the waiting app gets its answer soon. */
export const { buildWalletPayload } = proxyLocalActivities<EnrollmentActivities>(localDatabaseStep);

/**
 * How the enrollment ended, told to the issuer's systems: a local activity retried until the database takes
 * it (an event is not dropped), behind its patch for the enrollments started before it.
 */
export const { publishEnrollmentOutcome } = proxyLocalActivities<EnrollmentActivities>(outcomeEvent);
export const enrollmentOutcomePatch = 'enrollment-outcome-published';
