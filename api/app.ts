/**
 * The issuer-facing HTTP API as a Fastify app, separate from `listen` so that tests can inject requests:
 * the hardening every route shares (size and rate limits, security headers, request ids, problem+json
 * errors, card security codes refused), OpenAPI and its docs page, and the routes: operations' (health,
 * readiness, the issuer's JWKS), the consumer API, the networks' callbacks, the web pages, development's.
 */
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { isSafeCallerId, maskCardNumbersIn } from '../domain/caller-text.js';
import { newIdentifier } from '../domain/identifiers.js';
import { registerDraining } from '../lifecycle/http-draining.js';
import { registerHttpServerSpans } from '../observability/http-server-spans.js';
import { registerConsumerRoutes, type ConsumerApiDeps } from './consumer-routes.js';
import { isCardNumberRefusal } from './free-text.js';
import { registerApiMetrics } from './metrics.js';
import { registerWebPages } from './web-pages.js';
import { registerNetworkCallbacks, type NetworkCallbackDeps } from './network-callbacks.js';
import { registerOperatorRoutes, type OperatorApiDeps } from './operator-routes.js';
import { answerNotFound, answerRouterRefusal, dependencyUnavailable, sendProblem } from './problem.js';
import { registerRateLimits } from './rate-limits.js';
import { registerDevRoutes, type DevRouteDeps } from './routes/dev.js';
import { registerOperationsRoutes, type OperationsRouteDeps } from './routes/operations.js';
import { registerProblemTypeRoutes } from './routes/problem-types.js';

export type { ReadinessCheck } from './routes/operations.js';

export interface AppDependencies extends OperationsRouteDeps, DevRouteDeps {
  consumer?: ConsumerApiDeps;
  callbacks?: NetworkCallbackDeps;
  /** The operator API (its own tokens and roles), apart from the consumer API. */
  operator?: OperatorApiDeps;
  /** Serve the issuer's web pages (web/) at /web/. */
  webPages?: boolean;
  /** Requests per minute per caller (per authenticated customer, else per address). */
  rateLimitPerMinute?: number;
  /** Failed authentications (bearer tokens, network signatures) per minute per address. */
  failedAuthenticationsPerMinute?: number;
  /** With tracing installed (observability/tracing.ts): where an enrollment's trace is found, for its later requests. */
  /** When tracing: the trace of a customer's own enrollment, which that customer's later requests join. */
  tracing?: { enrollmentTrace: (enrollmentId: string, customerId: string) => Promise<string | undefined> };
}

/** Card security codes never travel through push provisioning (seed 000, PCI DSS 3.3.1.2). */
const securityCodeField = /^(cvv2?|cvc2?|cid|csc|cav2|securitycode|card_?verification(_?value|_?code)?)$/i;

function securityCodeFieldIn(value: unknown, depth = 0): string | undefined {
  if (depth > 10 || value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (securityCodeField.test(key)) return key;
    const nested = securityCodeFieldIn(item, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

export async function buildApp(deps: AppDependencies, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: 64 * 1024,
    // At shutdown the drain (lifecycle/http-draining.ts) answers new requests with our 503, not Fastify's own.
    return503OnClosing: false,
    // A URL that cannot be decoded, or a path segment over the limit, is refused by the router before any
    // hook runs: answered without quoting the path (Fastify's own answer does).
    frameworkErrors: answerRouterRefusal,
    // One line per request, written below with a whole-millisecond response time.
    logController: new LogController({ disableRequestLogging: true }),
    // A caller's own request id is kept (for correlation) when it has a safe shape; otherwise ours.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return isSafeCallerId(given) ? given : newIdentifier();
    },
    ...options,
  });
  // An empty body sent as JSON is no body (a bodiless POST from a client that always sets the type).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text === '') done(null, undefined);
    else void parseJson(request, text, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerDraining(app); // first of the hooks: a request refused at shutdown costs nothing else
  if (deps.tracing) {
    registerHttpServerSpans(app, {
      continueCallersTrace: false,
      enrollmentRoutes: {
        prefix: '/v1/enrollments',
        // Past authentication: the caller's own enrollments only (request.customerId is set by then).
        lookup: async (id, request) =>
          request.customerId ? deps.tracing?.enrollmentTrace(id, request.customerId) : undefined,
      },
      untraced: ['/healthz', '/readyz', '/metrics'],
    });
  }

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    // Whatever a handler echoed into a header (a reason, a location) leaves with card numbers masked.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (typeof value === 'string' && maskCardNumbersIn(value) !== value) reply.header(name, maskCardNumbersIn(value));
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ req: request, res: reply, responseTimeMs: Math.round(reply.elapsedTime) }, 'request completed');
  });

  // RFC 9457 problem details for every error; no stack trace and no input value leaves the process.
  app.setErrorHandler((error: { statusCode?: number; message: string; code?: string }, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      // A card number typed where text goes is understood but refused (422); anything else is malformed.
      const cardNumberRefused = error.validation.some(isCardNumberRefusal);
      const status = cardNumberRefused ? 422 : 400;
      const detail = error.validation
        .map(
          (issue) =>
            `${fieldOf(issue.instancePath) || request.routeOptions.url || 'request'}: ${issue.message ?? 'is invalid'}`,
        )
        .join('; ');
      return sendProblem(
        reply,
        status,
        cardNumberRefused ? 'Card number in a text field' : `Invalid ${error.validationContext ?? 'request'}`,
        detail,
      );
    }
    if (dependencyUnavailable(error)) {
      request.log.warn({ err: error }, 'a dependency is unavailable');
      return sendProblem(
        reply,
        503,
        'Service Unavailable',
        'The service cannot reach a dependency for now; try again shortly',
        { 'retry-after': '1' },
      );
    }
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    if (status === 429) return sendProblem(reply, 429, 'Too Many Requests', error.message);
    return sendProblem(reply, status, status === 500 ? 'Internal Server Error' : error.message);
  });

  app.addHook('preValidation', async (request, reply) => {
    const field = securityCodeFieldIn(request.body);
    if (field) {
      return sendProblem(
        reply,
        400,
        'Card security code refused',
        `"${field}" is never accepted: push provisioning does not use the card security code`,
      );
    }
  });

  await app.register(helmet, {
    // A wallet's web window (web push) talks back to the page that opened it: the page keeps its opener.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    // The docs page's own assets only; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The redirect to the token requestor is a navigation; the demo inbox a page of ours.
        formAction: ["'self'"],
      },
    },
  });
  const limits = await registerRateLimits(app, {
    perMinute: deps.rateLimitPerMinute ?? 300,
    failedAuthenticationsPerMinute: deps.failedAuthenticationsPerMinute ?? 30,
  });
  app.setNotFoundHandler({ preHandler: limits.notFound }, answerNotFound);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'pushprov issuer API',
        description: 'Push cards into wallets and merchants: enrollments, cards, tokens, and the networks’ callbacks.',
        version: '1.0.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  const metrics = registerApiMetrics(app);
  registerOperationsRoutes(app, deps);
  registerProblemTypeRoutes(app);

  if (deps.consumer) await registerConsumerRoutes(app, deps.consumer, limits.failedAuthentication, metrics);
  if (deps.callbacks) await registerNetworkCallbacks(app, deps.callbacks, limits.failedAuthentication, metrics);
  if (deps.operator) await registerOperatorRoutes(app, deps.operator);
  if (deps.webPages) await registerWebPages(app);
  registerDevRoutes(app, deps);

  return app;
}

/** A validation issue's field as a dotted path (`/cards/0/cardId` is `cards.0.cardId`). */
function fieldOf(instancePath: string): string {
  return (instancePath.startsWith('/') ? instancePath.slice(1) : instancePath).replaceAll('/', '.');
}
