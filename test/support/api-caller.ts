/** Calling the issuer API as a signed-in customer of the development identity provider, as the issuer's app would. */
import { randomUUID } from 'node:crypto';
import { holdsCardNumber } from '../../domain/caller-text.js';
import type { EngineStack } from './engine-stack.js';
import { eventually } from './eventually.js';
import { pressTokenRequestorsButton } from './local-stack-journey.js';

/** The fields of the API's answers these tests read (the responses are JSON of several shapes). */
export interface ApiJson {
  id: string;
  status: string | number;
  detail: string;
  captureId: string;
  method: string;
  maskedPan: string;
  outcome: string;
  awaitingCaptureConfirmation?: boolean;
  redirect: { url: string };
  links: { workflow: string };
  cards: { id: string; maskedPan: string; state: string; tokenStatus?: string; tokenUniqueReference?: string }[];
  tokenRequestors: { id: string; name: string; logo: { png: string } }[];
  tokens: { tokenUniqueReference: string }[];
  authentication: { method: string; attemptsLeft?: number };
  timeline: { at: string; event: string; detail?: string }[];
}

export interface Caller {
  customerId: string;
  token: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ApiJson; headers: Headers }>;
}

/**
 * A fresh customer id. About one in 1,500 random UUIDs holds a card-number-like run (13 to 19 digits that
 * pass the Luhn check), which the API refuses in a token's subject: such a draw is drawn again.
 */
export function randomCustomerId(): string {
  for (;;) {
    const customerId = `customer-${randomUUID()}`;
    if (!holdsCardNumber(customerId)) return customerId;
  }
}

export async function apiCaller(stack: EngineStack, customerId = randomCustomerId()): Promise<Caller> {
  const response = await fetch(`${stack.apiUrl}/dev/customer-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId }),
  });
  const { token } = (await response.json()) as { token: string };
  return {
    customerId,
    token,
    async call(method, path, body, headers = {}) {
      const result = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...headers,
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const text = await result.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (an image): kept as text
      }
      return { status: result.status, body: parsed as ApiJson, headers: result.headers };
    },
  };
}

/** Waits until the enrollment has this status; returns its view. */
export async function enrollmentReaches(customer: Caller, id: string, status: string): Promise<ApiJson> {
  return (
    await eventually(
      () => customer.call('GET', `/v1/enrollments/${id}`),
      (response) => response.body.status === status,
      `status ${status}`,
    )
  ).body;
}

/** The latest one-time code the development notification channel delivered for an enrollment. */
export async function oneTimeCodeOf(stack: EngineStack, enrollmentId: string): Promise<string> {
  const { rows } = await stack.pool.query<{ message: string }>(
    'SELECT message FROM dev_inbox WHERE enrollment_id = $1 ORDER BY sequence DESC LIMIT 1',
    [enrollmentId],
  );
  return /\b(\d{6})\b/.exec(rows[0]!.message)![1]!;
}

export function start(customer: Caller, body: object, key = randomUUID()): ReturnType<Caller['call']> {
  return customer.call('POST', '/v1/enrollments', body, { 'idempotency-key': key });
}

/** The consumer on the token requestor's page (from the redirect), then its button: tokenisation. */
export async function completeAtTokenRequestor(
  stack: EngineStack,
  redirectUrl: string,
  callbackUrl: string,
): Promise<string> {
  const page = await fetch(redirectUrl);
  if (page.status !== 200) throw new Error(`the token requestor's page answered ${page.status}`);
  const done = await pressTokenRequestorsButton(stack.sandbox.urls.tokenRequestors, new URL(redirectUrl), callbackUrl);
  return done.text();
}
