/**
 * A consumer's whole enrollment on a running local stack (npm start or npm run start:cluster), through the
 * API alone: the demo customer Grace's card on file, the code from the development inbox, the token
 * requestor's page and its button, until the enrollment is COMPLETED.
 */
import { expect } from 'vitest';
import { eventually } from './eventually.js';
import type { LocalStack } from './local-stack.js';

export type SignedInApi = <T>(method: string, route: string, body?: object) => Promise<{ status: number; body: T }>;

/** The API as a consumer's app uses it, signed in as a demo customer of the development identity provider. */
export async function signedIn(apiUrl: string, customerId: string): Promise<SignedInApi> {
  const tokenResponse = await fetch(`${apiUrl}/dev/customer-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId }),
  });
  const { token } = (await tokenResponse.json()) as { token: string };
  return async <T>(method: string, route: string, body?: object): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${apiUrl}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body && { 'content-type': 'application/json', 'idempotency-key': crypto.randomUUID() }),
      },
      ...(body && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
}

/** Grace's enrollment of her card ending 4444 to the sandbox wallet, until COMPLETED (each step checked). */
export async function enrolGrace(
  stack: LocalStack,
  timeoutMs: number,
): Promise<{ id: string; status: string; cards: { state: string }[] }> {
  const api = await signedIn(stack.url('api'), 'grace');
  const { body: listed } = await api<{ cards: { id: string; maskedPan: string }[] }>('GET', '/v1/cards');
  const card = listed.cards.find((candidate) => candidate.maskedPan.endsWith('4444'))!;
  const created = await api<{ id: string }>('POST', '/v1/enrollments', {
    cards: [{ cardId: card.id }],
    tokenRequestorId: '50110030273',
    pushMethod: 'WEB',
  });
  expect(created.status).toBe(201);
  const enrollment = `/v1/enrollments/${created.body.id}`;
  const view = () => api<{ status: string; cards: { state: string }[] }>('GET', enrollment);
  await eventually(view, ({ body }) => body.status === 'AWAITING_AUTHENTICATION', 'the code sent', timeoutMs);
  const inbox = (await (await fetch(`${stack.url('api')}/dev/inbox?customer=grace`)).json()) as {
    messages: { message: string }[];
  };
  const code = /\b(\d{6})\b/.exec(inbox.messages[0]!.message)![1]!;
  const authenticated = await api<{ outcome: string; redirect: { url: string } }>(
    'POST',
    `${enrollment}/one-time-code`,
    { code },
  );
  expect(authenticated.body.outcome).toBe('AUTHENTICATED');
  const redirect = new URL(authenticated.body.redirect.url);
  expect((await fetch(redirect)).status).toBe(200);
  const tokenised = await pressTokenRequestorsButton(stack.url('tokenRequestors'), redirect);
  expect(tokenised.status).toBe(200);
  const completed = await eventually(view, ({ body }) => body.status === 'COMPLETED', 'COMPLETED', timeoutMs);
  return { id: created.body.id, ...completed.body };
}

/**
 * The button on the token requestor's page the redirect led to: it redeems the receipts the redirect carries
 * (the sandbox's token requestor then tokenises at the network). The callback URL is sent when given.
 */
export function pressTokenRequestorsButton(
  tokenRequestorsUrl: string,
  redirect: URL,
  callbackUrl?: string,
): Promise<Response> {
  return fetch(`${tokenRequestorsUrl}/tr/${redirect.pathname.split('/')[2]}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      pushAccountReceipts: redirect.searchParams.get('pushAccountReceipts')!,
      ...(callbackUrl && { callbackURL: callbackUrl }),
    }).toString(),
  });
}
