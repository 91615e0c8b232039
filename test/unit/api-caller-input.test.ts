// What a caller controls (headers, paths, queries, bodies, failed credentials) against the API's shared
// hooks and the consumer routes' validation: no card number echoed, ids of a safe shape, text fields that
// refuse card numbers with a 422, and a limit on callers that fail to authenticate.
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp, type AppDependencies } from '../../api/app.js';
import type { ConsumerApiDeps } from '../../api/consumer-routes.js';
import { apiLoggerOptions } from '../../api/logging.js';
import { closeAfterEach } from '../support/close-after-each.js';
import { consumerDepsFor, identityProviderForTests, testAudience as audience } from '../support/consumer-deps.js';
import { logLines } from '../support/log-lines.js';

const pan = '4111111111111111';
const identityProvider = identityProviderForTests();
const closing = closeAfterEach();

/** The API with the consumer routes and what they log; their dependencies are untouchable but those `behind` gives. */
async function appWithConsumerRoutes(
  options: Partial<AppDependencies> = {},
  behind: Partial<ConsumerApiDeps> = {},
): Promise<{
  app: FastifyInstance;
  log: () => string;
}> {
  const log = logLines();
  const app = await buildApp(
    { readinessChecks: {}, consumer: consumerDepsFor(identityProvider(), behind), ...options },
    { logger: { ...(apiLoggerOptions('info') as object), stream: log.stream } },
  );
  return { app: closing(app), log: log.text };
}

describe('a request id', () => {
  it('is ours when the caller sends one that holds a card number, and the number is nowhere', async () => {
    const { app, log } = await appWithConsumerRoutes();
    for (const given of [pan, `req-${pan}`, '4111-1111-1111-1111', 'x'.repeat(65), 'a b']) {
      const response = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': given } });
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(log()).not.toMatch(/4111.?1111.?1111.?1111/);
  });
});

describe('what the API echoes', () => {
  it('masks a card number in a path, a key, a media type or a header it quotes', async () => {
    const { app, log } = await appWithConsumerRoutes();
    const token = await identityProvider().tokenFor('ada', audience);
    const encoded = [...pan].map((digit) => `%3${digit}`).join('');
    const responses = await Promise.all([
      app.inject({ method: 'GET', url: `/nope/${pan}` }),
      app.inject({ method: 'GET', url: `/nope/${encoded}` }),
      app.inject({ method: 'GET', url: `/v1/cards/${pan}/token-requestors?pushMethod=WEB`, headers: bearer(token) }),
      app.inject({
        method: 'POST',
        url: '/v1/card-captures',
        headers: bearer(token),
        payload: { method: 'manual', [pan]: 1 },
      }),
      app.inject({
        method: 'POST',
        url: '/v1/card-captures',
        headers: { ...bearer(token), 'content-type': `application/x-${pan}` },
        payload: 'x',
      }),
      app.inject({ method: 'GET', url: `/v1/tokens?${pan}=${pan}`, headers: { authorization: `Bearer ${pan}` } }),
    ]);
    for (const response of responses) {
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      expect(response.statusCode).toBeLessThan(500);
      expect(JSON.stringify([response.headers, response.body])).not.toContain(pan);
    }
    expect(responses[0].json()).toMatchObject({ detail: 'No route for GET /nope/411111******1111' });
    expect(responses[1].json()).toMatchObject({ detail: 'No route for GET /nope/411111******1111' });
    expect(log()).not.toContain(pan);
  });
});

describe('what the router refuses before any hook', () => {
  it('is answered as a problem that quotes nothing, with a request id', async () => {
    const { app, log } = await appWithConsumerRoutes();
    for (const url of [
      `/${pan}%`,
      `/v1/enrollments/${pan}%zz`,
      `/web/%E0%A4${pan}`,
      `/v1/cards/${pan}${'a'.repeat(120)}/token-requestors`,
    ]) {
      const response = await app.inject({ method: 'GET', url });
      expect([url, response.statusCode]).toEqual([url, url.includes('aaaa') ? 414 : 400]);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body).not.toContain(pan);
    }
    expect(log()).not.toContain(pan);
  });
});

describe('an enrollment past Temporal retention', () => {
  it('is 410 Gone, not a 5xx', async () => {
    const { WorkflowNotFoundError } = await import('@temporalio/common');
    const id = `enrollment-${'0'.repeat(32)}`;
    const consumerDeps = {
      pool: { query: () => Promise.resolve({ rows: [{}] }) },
      temporal: {
        workflow: {
          getHandle: () => ({
            workflowId: id,
            query: () => Promise.reject(new WorkflowNotFoundError('gone', id, undefined)),
          }),
        },
      },
    };
    const { app: gone } = await appWithConsumerRoutes(
      {},
      { pool: consumerDeps.pool as never, temporal: consumerDeps.temporal as never },
    );
    const response = await gone.inject({
      method: 'GET',
      url: `/v1/enrollments/${id}`,
      headers: bearer(await identityProvider().tokenFor('ada', audience)),
    });
    expect(response.statusCode).toBe(410);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('a free-text field holding a card number', () => {
  it('is refused with a 422 that names the field, and nothing is written', async () => {
    const { app } = await appWithConsumerRoutes();
    const token = await identityProvider().tokenFor('ada', audience);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/card-captures',
      headers: bearer(token),
      payload: {
        method: 'manual',
        card: { number: '5204731600014792', expiryMonth: 12, expiryYear: 2031, cardholderName: `Ada ${pan}` },
      },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ title: 'Card number in a text field' });
    expect(response.json<{ detail: string }>().detail).toMatch(/card\.cardholderName: must not hold a card number/);
    expect(response.body).not.toContain(pan);
  });

  it('is refused in a development customer id too', async () => {
    const { app } = await appWithConsumerRoutes({ devIdentity: { provider: identityProvider(), audience } });
    const response = await app.inject({ method: 'POST', url: '/dev/customer-tokens', payload: { customerId: pan } });
    expect(response.statusCode).toBe(422);
  });

  it('is refused as the customer a token names', async () => {
    const { app } = await appWithConsumerRoutes();
    const response = await app.inject({
      method: 'GET',
      url: '/v1/tokens',
      headers: bearer(await identityProvider().tokenFor(pan, audience)),
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).not.toContain(pan);
  });
});

describe('callers that fail to authenticate', () => {
  it('are limited by address whatever tokens they try, while a customer who authenticates there is served', async () => {
    const { app } = await appWithConsumerRoutes({ failedAuthenticationsPerMinute: 5 });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const headers = attempt % 2 === 0 ? {} : { authorization: `Bearer forged.${attempt}.token` };
      statuses.push((await app.inject({ method: 'GET', url: '/v1/tokens', headers })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await app.inject({ method: 'GET', url: '/v1/cards' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    // A customer behind the same address (a NAT) is not locked out by them.
    const customer = await app.inject({
      method: 'POST',
      url: '/v1/card-captures',
      headers: bearer(await identityProvider().tokenFor('ada', audience)),
      payload: { method: 'nothing' },
    });
    expect(customer.statusCode).toBe(400);
    // Another address is not affected.
    const elsewhere = await app.inject({ method: 'GET', url: '/v1/tokens', remoteAddress: '10.0.0.7' });
    expect(elsewhere.statusCode).toBe(401);
  });

  it('are counted by their /64 when they come over IPv6', async () => {
    const { app } = await appWithConsumerRoutes({ failedAuthenticationsPerMinute: 2 });
    const statuses: number[] = [];
    for (const interfaceId of ['::1', '::2', ':abcd:0:0:1', ':ffff:ffff:ffff:ffff']) {
      const remoteAddress = `2001:db8:1:2${interfaceId}`;
      statuses.push((await app.inject({ method: 'GET', url: '/v1/tokens', remoteAddress })).statusCode);
    }
    expect(statuses).toEqual([401, 401, 429, 429]);
    const otherNetwork = await app.inject({ method: 'GET', url: '/v1/tokens', remoteAddress: '2001:db8:1:3::1' });
    expect(otherNetwork.statusCode).toBe(401);
  });

  it('are limited by address on unauthenticated routes and unknown paths too', async () => {
    const { app } = await appWithConsumerRoutes({ rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    for (const url of ['/healthz', '/nope', '/healthz', '/nope', '/healthz']) {
      statuses.push((await app.inject({ method: 'GET', url })).statusCode);
    }
    expect(statuses).toEqual([200, 404, 200, 429, 429]);
  });
});

function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

describe('an enrollment id', () => {
  it('never reads as a card number, and is the plain digest of customer and key otherwise', async () => {
    const { createHash, randomUUID } = await import('node:crypto');
    const { requestIdOf } = await import('../../api/consumer-routes.js');
    const { holdsCardNumber } = await import('../../domain/caller-text.js');
    const { enrollmentWorkflowId } = await import('../../domain/enrollment.js');
    let drawnAgain = 0;
    for (let index = 0; index < 5_000; index += 1) {
      const key = randomUUID();
      const requestId = requestIdOf('ada', key);
      expect(holdsCardNumber(enrollmentWorkflowId(requestId))).toBe(false);
      if (requestId !== createHash('sha256').update(`ada\n${key}`).digest('hex').slice(0, 32)) drawnAgain += 1;
      expect(requestIdOf('ada', key)).toBe(requestId);
    }
    // About 6 in 1,000 digests hold a Luhn-valid run of 13+ digits.
    expect(drawnAgain).toBeGreaterThan(0);
    expect(drawnAgain).toBeLessThan(100);
  });
});
