/**
 * The API's Prometheus metrics (prom-client), served at /metrics: requests by route and status with their
 * latency, enrollments started, the networks' callbacks by outcome, and the process's own metrics. One
 * registry per app, so that several apps in one process (tests) do not collide.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  enrollmentsStarted: Counter<'token_requestor'>;
  networkCallbacks: Counter<'network' | 'operation' | 'outcome'>;
  /** Tokenisation decisions by outcome (GREEN, YELLOW, RED) and whether the fail-safe made them, with latency. */
  tokenisationDecisions: Histogram<'network' | 'outcome' | 'fail_safe'>;
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function registerApiMetrics(app: FastifyInstance): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'pushprov_api_' });
  const requests = new Histogram({
    name: 'pushprov_api_request_duration_seconds',
    help: 'API requests by route, method and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const metrics: ApiMetrics = {
    registry,
    enrollmentsStarted: new Counter({
      name: 'pushprov_api_enrollments_started_total',
      help: 'Enrollments started through the API',
      labelNames: ['token_requestor'] as const,
      registers: [registry],
    }),
    networkCallbacks: new Counter({
      name: 'pushprov_network_callbacks_total',
      help: "The networks' calls to the issuer, by outcome",
      labelNames: ['network', 'operation', 'outcome'] as const,
      registers: [registry],
    }),
    tokenisationDecisions: new Histogram({
      name: 'pushprov_tokenisation_decision_seconds',
      help: "The issuer's tokenisation decisions: how long each took, by outcome and fail-safe",
      labelNames: ['network', 'outcome', 'fail_safe'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 1],
      registers: [registry],
    }),
  };
  app.addHook('onResponse', async (request, reply) => {
    // Labels from closed sets only: the route's pattern (never the path), a known method, a status.
    const route = request.routeOptions.url ?? 'unmatched';
    const method = knownMethods.has(request.method) ? request.method : 'OTHER';
    requests.observe({ method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  return metrics;
}
