/** The issuer-facing HTTP API as a Fastify app, separate from `listen` so that tests can inject requests. */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { JSONWebKeySet } from 'jose';

/** A readiness check resolves when its dependency answers and rejects with the reason when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface AppDependencies {
  readinessChecks: Record<string, ReadinessCheck>;
  /** The issuer's public signing keys, as networks and token requestors fetch them to verify its proofs. */
  issuerJwks?: () => JSONWebKeySet;
  /** How long /readyz waits for a check before calling its dependency unavailable. */
  readinessTimeoutMs?: number;
}

export async function buildApp(deps: AppDependencies, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 64 * 1024, ...options });

  // RFC 9457 problem details for every error; no stack traces leave the process.
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: status === 500 ? 'Internal Server Error' : error.message, status });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('application/problem+json')
      .send({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `No route for ${request.method} ${request.url}`,
      }),
  );

  app.get('/healthz', () => ({ status: 'ok' }));

  const { issuerJwks } = deps;
  if (issuerJwks) {
    // Short caching: after a rotation, verifiers see the new key within minutes.
    app.get('/.well-known/jwks.json', (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(issuerJwks()),
    );
  }

  // Names the dependency that is down; the reason (addresses, driver messages) stays in the log.
  app.get('/readyz', async (request, reply) => {
    const outcomes = await Promise.all(
      Object.entries(deps.readinessChecks).map(([name, check]) =>
        withTimeout(check(), deps.readinessTimeoutMs ?? 2_000).then(
          (): [string, string] => [name, 'ok'],
          (reason: unknown): [string, string] => {
            request.log.warn({ dependency: name, reason: describe(reason) }, 'readiness check failed');
            return [name, 'unavailable'];
          },
        ),
      ),
    );
    const ready = outcomes.every(([, outcome]) => outcome === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(outcomes) });
  });

  return app;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
