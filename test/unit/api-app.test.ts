import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';

const healthy = (): Promise<void> => Promise.resolve();

describe('health and readiness', () => {
  it('is alive whatever its dependencies do', async () => {
    const app = await buildApp({
      readinessChecks: { postgres: () => Promise.reject(new Error('connection refused')) },
    });
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when every dependency answers', async () => {
    const app = await buildApp({ readinessChecks: { postgres: healthy, temporal: healthy } });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } });
  });

  it('names the dependency that does not answer, without its internals', async () => {
    const app = await buildApp({
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
    const app = await buildApp({
      readinessChecks: { temporal: () => new Promise(() => undefined) },
      readinessTimeoutMs: 50,
    });
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ status: 'unavailable', checks: { temporal: 'unavailable' } });
  });
});

describe('errors', () => {
  it('answers an unknown route with problem details', async () => {
    const app = await buildApp({ readinessChecks: {} });
    const response = await app.inject({ method: 'GET', url: '/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ status: 404, title: 'Not Found', detail: 'No route for GET /nope' });
  });

  it('answers a malformed body with a 4xx problem, not a stack trace', async () => {
    const app = await buildApp({ readinessChecks: {} });
    app.post('/echo', (request) => request.body);
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
    const app = await buildApp({ readinessChecks: {}, issuerJwks: () => jwks });
    const response = await app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(jwks);
    expect(response.headers['cache-control']).toBe('public, max-age=300');
  });
});
