/** Shared pieces of the Temporal tests: unique ids. */
import { randomUUID } from 'node:crypto';

export function uniqueRequestId(): string {
  return randomUUID();
}

export function uniqueTaskQueue(): string {
  return `test-${randomUUID()}`;
}
