/** Shared pieces of the Temporal tests: unique ids, and an enrollment's input. */
import { randomUUID } from 'node:crypto';
import type { EnrollmentInput } from '../../domain/enrollment.js';

export function uniqueRequestId(): string {
  return randomUUID();
}

export function uniqueTaskQueue(): string {
  return `test-${randomUUID()}`;
}

/** An enrollment as most tests start it, under a new request id: one card on file, to Sandpay Wallet, on the web. */
export function enrollmentInput(overrides: Partial<EnrollmentInput> = {}): EnrollmentInput {
  return {
    requestId: uniqueRequestId(),
    customerId: 'customer-1',
    cards: [{ method: 'card-on-file', cardId: 'c1' }],
    tokenRequestorId: '50110030273',
    pushMethod: 'WEB',
    ...overrides,
  };
}
