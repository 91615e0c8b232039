// GET /dev/inbox: its long poll's parameters reach the inbox as given, a bad one is a 400 naming it that never
// quotes a card number sent in it, and a full inbox wait is a 503 with Retry-After.
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { DevInboxWaitsFull } from '../../db/dev-inbox.js';
import { closeAfterEach } from '../support/close-after-each.js';

const closing = closeAfterEach();
const cardNumber = '4111111111111111';

async function inboxApp(
  devInbox: (customerId: string, wait: { waitSeconds: number; after?: Date }) => Promise<[]> = () =>
    Promise.resolve([]),
) {
  return closing(await buildApp({ readinessChecks: {}, devInbox }));
}

describe('GET /dev/inbox', () => {
  it('passes the wait to the inbox: none by default, else waitSeconds and after as given', async () => {
    const waits: { customerId: string; wait: { waitSeconds: number; after?: Date } }[] = [];
    const app = await inboxApp((customerId, wait) => {
      waits.push({ customerId, wait });
      return Promise.resolve([]);
    });
    expect((await app.inject({ method: 'GET', url: '/dev/inbox?customer=ada' })).statusCode).toBe(200);
    const after = '2026-12-03T12:00:00.000Z';
    const waited = await app.inject({ method: 'GET', url: `/dev/inbox?customer=ada&waitSeconds=10&after=${after}` });
    expect(waited.json()).toEqual({ messages: [] });
    expect(waits).toEqual([
      { customerId: 'ada', wait: { waitSeconds: 0 } },
      { customerId: 'ada', wait: { waitSeconds: 10, after: new Date(after) } },
    ]);
  });

  it.each([
    ['waitSeconds', 'soon'],
    ['waitSeconds', '31'],
    ['waitSeconds', '-1'],
    ['waitSeconds', '1.5'],
    // The same number spelt another way: one spelling only (api/query-integer.ts).
    ['waitSeconds', '1e1'],
    ['waitSeconds', '0x10'],
    ['waitSeconds', '+10'],
    ['waitSeconds', '010'],
    ['waitSeconds', '%2010'],
    ['waitSeconds', ''],
    ['waitSeconds', cardNumber],
    ['after', 'yesterday'],
    ['after', cardNumber],
  ])('refuses %s=%s with a 400 naming it, never quoting a card number', async (name, value) => {
    const app = await inboxApp(() => Promise.reject(new Error('the inbox must not be read')));
    const response = await app.inject({ method: 'GET', url: `/dev/inbox?customer=ada&${name}=${value}` });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ title: 'Invalid querystring', status: 400 });
    expect(response.json<{ detail: string }>().detail).toContain(name);
    expect(response.body).not.toContain(cardNumber);
  });

  it('documents the long poll in the OpenAPI document', async () => {
    const app = await inboxApp();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    }>();
    const parameters = document.paths['/dev/inbox']?.get?.parameters ?? [];
    expect(parameters.map(({ name, in: where }) => `${where} ${name}`).sort()).toEqual([
      'query after',
      'query customer',
      'query waitSeconds',
    ]);
  });

  it('answers 503 with Retry-After when too many readers wait already', async () => {
    const app = await inboxApp(() => Promise.reject(new DevInboxWaitsFull(1_000)));
    const response = await app.inject({ method: 'GET', url: '/dev/inbox?customer=ada&waitSeconds=5' });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('1');
    expect(response.json()).toMatchObject({ title: 'Service Unavailable', status: 503 });
  });
});
