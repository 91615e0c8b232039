// The OpenAPI document is complete: every operation declares its success body and its problems (RFC 9457,
// application/problem+json), or for the networks' callbacks their own error envelope; and the bodies the
// routes answer pass through those same schemas.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import type { NetworkCallbackDeps } from '../../api/network-callbacks.js';
import { closeAfterEach } from '../support/close-after-each.js';
import {
  consumerDepsFor,
  identityProviderForTests,
  testAudience as audience,
  untouchable,
} from '../support/consumer-deps.js';
import { decisionDefaults } from '../support/decision-defaults.js';

const identityProvider = identityProviderForTests();
const closing = closeAfterEach();

/** The API with every route it can have: consumer, networks' callbacks, development. */
async function fullApp(): Promise<FastifyInstance> {
  const callbacks: NetworkCallbackDeps = {
    credentials: untouchable('credentials'),
    pool: untouchable('pool'),
    temporal: untouchable('temporal'),
    fingerprintKeys: [],
    ...decisionDefaults,
  };
  return closing(
    await buildApp({
      readinessChecks: {},
      consumer: consumerDepsFor(identityProvider()),
      callbacks,
      devIdentity: { provider: identityProvider(), audience },
      devInbox: () => Promise.resolve([{ message: 'Your code is 123456', sentAt: '2026-12-02T12:00:00.000Z' }]),
    }),
  );
}

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const problemFields = ['type', 'title', 'status', 'detail'];

/** The networks' calls answer errors in the network's own envelope (MDES, VTS), not as problems. */
function isNetworkCallback(route: string): boolean {
  return route.startsWith('/networks/');
}

/** What an operation's responses lack: a 2xx body, and a problem (or, for a network, its error envelope). */
function gapsOf(route: string, operation: Operation): string[] {
  const responses = Object.entries(operation.responses ?? {});
  const withSchema = (content: Record<string, { schema?: object }> | undefined, mediaType?: string): boolean =>
    Object.entries(content ?? {}).some(([type, item]) => (!mediaType || type === mediaType) && item.schema);
  const gaps: string[] = [];
  if (!responses.some(([status, response]) => status.startsWith('2') && withSchema(response.content))) {
    gaps.push('no 2xx response with a schema');
  }
  const errors = responses.filter(([status]) => status.startsWith('4') || status.startsWith('5'));
  if (isNetworkCallback(route)) {
    if (!errors.some(([status, response]) => status.startsWith('4') && withSchema(response.content))) {
      gaps.push('no 4xx response with a schema');
    }
  } else {
    if (!errors.some(([, response]) => withSchema(response.content, 'application/problem+json'))) {
      gaps.push('no application/problem+json response');
    }
    for (const [status, response] of errors) {
      const schema = response.content?.['application/problem+json']?.schema;
      if (!schema) gaps.push(`${status} is not a problem`);
      else if (!problemFields.every((field) => field in (schema.properties ?? {}))) {
        gaps.push(`${status}'s problem schema lacks ${problemFields.join(', ')}`);
      }
    }
  }
  return gaps;
}

describe('the OpenAPI document', () => {
  it('declares, for every operation, its 2xx body and its problems', async () => {
    const app = await fullApp();
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json<{ paths: Record<string, Record<string, Operation>> }>();
    const operations = Object.entries(document.paths).flatMap(([route, item]) =>
      Object.entries(item)
        .filter(([method]) => methods.includes(method))
        .map(([method, operation]) => ({ name: `${method.toUpperCase()} ${route}`, route, operation })),
    );
    expect(operations.map(({ name }) => name)).toEqual(
      expect.arrayContaining([
        'GET /v1/cards',
        'POST /v1/enrollments',
        'GET /v1/enrollments/{id}',
        'POST /v1/enrollments/{id}/cancel',
        'GET /v1/tokens',
        'POST /dev/customer-tokens',
      ]),
    );
    expect(operations.some(({ route }) => isNetworkCallback(route))).toBe(true);
    const gaps = operations.flatMap(({ name, route, operation }) =>
      gapsOf(route, operation).map((gap) => `${name}: ${gap}`),
    );
    expect(gaps).toEqual([]);
  });

  it('documents what a route refuses with, and its hooks’ answers too (401, 429)', async () => {
    const app = await fullApp();
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const statuses = (route: string, method: string): string[] =>
      Object.keys(document.paths[route]?.[method]?.responses ?? {}).sort();
    expect(statuses('/v1/enrollments/{id}', 'get')).toEqual(['200', '400', '401', '404', '410', '429', '500', '503']);
    expect(statuses('/v1/enrollments', 'post')).toEqual(
      ['201', '400', '401', '404', '409', '413', '415', '422', '429', '500', '503'].sort(),
    );
  });
});

describe('bodies through the response schemas', () => {
  it('sends a hook’s problem whole, as application/problem+json', async () => {
    const app = await fullApp();
    const response = await app.inject({ method: 'GET', url: '/v1/cards' });
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toEqual({
      type: 'about:blank',
      title: 'Not authenticated',
      status: 401,
      detail: 'A bearer token is required (Authorization: Bearer <JWT>)',
    });
  });

  it('sends a validation problem whole, and a 2xx body as its schema declares it', async () => {
    const app = await fullApp();
    const refused = await app.inject({ method: 'POST', url: '/dev/customer-tokens', payload: { customerId: '' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ type: 'about:blank', title: 'Invalid body', status: 400 });
    expect(refused.json<{ detail: string }>().detail).toContain('customerId');
    const minted = await app.inject({ method: 'POST', url: '/dev/customer-tokens', payload: { customerId: 'ada' } });
    expect(minted.statusCode).toBe(200);
    expect(Object.keys(minted.json<object>()).sort()).toEqual(['expiresIn', 'token', 'tokenType']);
    const inbox = await app.inject({ method: 'GET', url: '/dev/inbox?customer=ada' });
    expect(inbox.json()).toEqual({
      messages: [{ message: 'Your code is 123456', sentAt: '2026-12-02T12:00:00.000Z' }],
    });
  });
});
