/**
 * The routes for operators and verifiers, outside the OpenAPI document: liveness, readiness (naming the
 * dependency that is down, never why), and the issuer's public signing keys.
 */
import type { FastifyInstance } from 'fastify';
import type { JSONWebKeySet } from 'jose';

/** A readiness check resolves when its dependency answers and rejects with the reason when it does not. */
export type ReadinessCheck = () => Promise<unknown>;

export interface OperationsRouteDeps {
  readinessChecks: Record<string, ReadinessCheck>;
  /** How long /readyz waits for a check before calling its dependency unavailable. */
  readinessTimeoutMs?: number;
  /** The issuer's public signing keys, as networks and token requestors fetch them to verify its proofs. */
  issuerJwks?: () => JSONWebKeySet;
}

export function registerOperationsRoutes(app: FastifyInstance, deps: OperationsRouteDeps): void {
  app.get('/healthz', { schema: { hide: true } }, () => ({ status: 'ok' }));

  const { issuerJwks } = deps;
  if (issuerJwks) {
    // Short caching: after a rotation, verifiers see the new key within minutes.
    app.get('/.well-known/jwks.json', { schema: { hide: true } }, (_request, reply) =>
      reply.header('cache-control', 'public, max-age=300').send(issuerJwks()),
    );
  }

  // Names the dependency that is down; the reason (addresses, driver messages) stays in the log.
  app.get('/readyz', { schema: { hide: true } }, async (request, reply) => {
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
