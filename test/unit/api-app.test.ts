import { ServiceError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp, type AppDependencies } from '../../api/app.js';
import { closeAfterEach } from '../support/close-after-each.js';

const healthy = (): Promise<void> => Promise.resolve();
const closing = closeAfterEach();

/** The API's app, closed after the test. */
async function openApp(deps: AppDependencies): Promise<FastifyInstance> {
  return closing(await buildApp(deps));
}

/** The app with one more route that answers its body: what any route sees of the shared hooks. */
async function echoApp(): Promise<FastifyInstance> {
  const app = await openApp({ readinessChecks: {} });
  app.post('/echo', (request) => request.body);
  return app;
}

describe('health and readiness', () => {
  it('is alive whatever its dependencies do', async () => {
    const app = await openApp({
      readinessChecks: { postgres: () => Promise.reject(new Error('connection refused')) },
    });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every dependency answers', async () => {
    const app = await openApp({ readinessChecks: { postgres: healthy, temporal: healthy } });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('names the dependency that does not answer, without its internals', async () => {
    const app = await openApp({
      readinessChecks: {
        postgres: healthy,
        temporal: () => Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED')),
      },
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({
      status: 'unavailable',
      checks: { postgres: 'ok', temporal: 'unavailable' },
    });
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it('gives up on a dependency that hangs', async () => {
    const app = await openApp({
      readinessChecks: { temporal: () => new Promise(() => undefined) },
      readinessTimeoutMs: 50,
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { temporal: 'unavailable' } });
  });
});

describe('errors', () => {
  it('answers 503 with Retry-After when Temporal or PostgreSQL cannot be reached, 500 otherwise', async () => {
    const app = await openApp({ readinessChecks: {} });
    const grpcUnavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    app.get('/temporal-down', () => {
      throw new ServiceError('Query failed', { cause: grpcUnavailable });
    });
    app.get('/postgres-down', () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    app.get('/bug', () => {
      throw new TypeError('cannot read properties of undefined');
    });
    for (const url of ['/temporal-down', '/postgres-down']) {
      const response = await app.inject({ method: 'GET', url });
      expect([response.statusCode, response.headers['retry-after']]).toEqual([503, '1']);
      expect(response.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
      expect(response.body).not.toMatch(/ECONNREFUSED|UNAVAILABLE/);
    }
    const bug = await app.inject({ method: 'GET', url: '/bug' });
    expect(bug.statusCode).toBe(500);
  });

  it('answers an unknown route with problem details', async () => {
    const app = await openApp({ readinessChecks: {} });
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route for GET /nope' });
  });

  it('answers a malformed body with a 4xx problem, not a stack trace', async () => {
    const app = await echoApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"pan": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('the issuer JWKS', () => {
  it('publishes the public signing keys with short caching', async () => {
    const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256', use: 'sig' }] };
    const app = await openApp({ readinessChecks: {}, issuerJwks: () => jwks });
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(jwks);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
  });
});

describe('hardening', () => {
  it('puts a request id on every response, keeping a sensible one the caller sent', async () => {
    const app = await openApp({ readinessChecks: {} });
    const own = await app.inject({ method: 'GET', url: '/healthz' });
    expect(own.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'trace-42' } });
    expect(given.headers['x-request-id']).toBe('trace-42');
    const odd = await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'a b<script>' } });
    expect(odd.headers['x-request-id']).not.toBe('a b<script>');
  });

  it('sends security headers', async () => {
    const app = await openApp({ readinessChecks: {} });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('answers too many requests with 429, Retry-After and problem details', async () => {
    const app = await openApp({ readinessChecks: {}, rateLimitPerMinute: 2 });
    for (let call = 0; call < 2; call += 1)
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const limited = await app.inject({ method: 'GET', url: '/healthz' });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
  });

  it('refuses a body larger than the limit with 413', async () => {
    const app = await echoApp();
    const response = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ padding: 'x'.repeat(70 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses card security codes wherever they hide in a body', async () => {
    const app = await echoApp();
    for (const field of ['cvv', 'CVC', 'cvv2', 'securityCode']) {
      const response = await app.inject({
        method: 'POST',
        url: '/echo',
        payload: { card: { nested: [{ [field]: '123' }] } },
      });
      expect([field, response.statusCode]).toEqual([field, 400]);
    }
  });
});

describe('development token minting', () => {
  it('does not exist unless the server enables it (never in production)', async () => {
    const app = await openApp({ readinessChecks: {} });
    const response = await app.inject({ method: 'POST', url: '/dev/customer-tokens', payload: { customerId: 'c' } });
    expect(response.statusCode).toBe(404);
  });
});

describe('metrics', () => {
  it('counts requests by route pattern and status, in Prometheus format', async () => {
    const app = await openApp({ readinessChecks: {} });
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/nope/123' });
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toMatch(
      /pushprov_api_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(response.body).toMatch(/route="unmatched",status="404"\} 1/);
    expect(response.body).not.toContain('/nope/123');
    expect(response.body).toContain('pushprov_api_process_cpu_user_seconds_total');
  });
});
