/** What a promise was rejected with, for tests of refusals: a promise that resolves fails the test. */
import { expect } from 'vitest';

type ErrorClass<T> = abstract new (...args: never[]) => T;

export async function rejectionOf(attempt: Promise<unknown>): Promise<Error & Record<string, unknown>>;
export async function rejectionOf<T>(attempt: Promise<unknown>, kind: ErrorClass<T>): Promise<T>;
export async function rejectionOf(attempt: Promise<unknown>, kind: ErrorClass<unknown> = Error): Promise<unknown> {
  const outcome = await attempt.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(kind);
  return outcome;
}
