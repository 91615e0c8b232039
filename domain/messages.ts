/** Signals and queries of the enrollment workflow, shared by the workflow, the API and the tests. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { EnrollmentView, TokenisationConfirmation } from './enrollment.js';

export const tokenisationConfirmedSignal = defineSignal<[TokenisationConfirmation]>('tokenisationConfirmed');
export const enrollmentViewQuery = defineQuery<EnrollmentView>('enrollmentView');
