/**
 * Incoming HTTP requests as server spans, for a Fastify app (the API, the sandbox), registered only when
 * tracing is installed. A span records the method, the route's template and the status: never the path as
 * sent, the query, a header or a body, so that a card number a caller puts in any of them reaches no span.
 * Each route handler runs with its request's span active, so that what it calls (Temporal, other services)
 * is traced beneath it.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { enrollmentIdAttribute, enrollmentTraceContext } from './enrollment-trace.js';
import { enrollmentIdPattern } from '../domain/enrollment.js';
import { activeTracer } from './tracing.js';

export interface HttpServerSpanOptions {
  /**
   * Whether a caller's traceparent is continued: yes for a simulated network (whose caller is the engine);
   * no for the API, whose callers are the public and the networks: each of its requests starts a trace, or
   * joins its enrollment's.
   */
  continueCallersTrace: boolean;
  /**
   * Routes whose template begins with `<prefix>/:id` name an enrollment: their span joins its trace, once the
   * request has passed its hooks (authentication) and `lookup` finds the enrollment for this caller (the API
   * asks for the caller's own). A request refused before its handler gets a trace of its own.
   */
  enrollmentRoutes?: {
    prefix: string;
    lookup: (enrollmentId: string, request: FastifyRequest) => Promise<string | undefined>;
  };
  /** Route templates not traced (health checks, metrics scrapes). */
  untraced?: readonly string[];
}

/** Adds the hooks; call it before any route is added (handlers are wrapped as their routes are). */
export function registerHttpServerSpans(app: FastifyInstance, options: HttpServerSpanOptions): void {
  const tracer = activeTracer();
  if (!tracer) return;
  const spans = new WeakMap<FastifyRequest, Span>();
  const untraced = new Set(options.untraced);
  const enrollmentRoute = options.enrollmentRoutes && `${options.enrollmentRoutes.prefix}/:id`;

  /** Whether a route's template names an enrollment. */
  const namesEnrollment = (route: string | undefined): boolean =>
    enrollmentRoute !== undefined &&
    route !== undefined &&
    (route === enrollmentRoute || route.startsWith(`${enrollmentRoute}/`));
  /** The enrollment the request's path names, and its trace, when it is one the caller may join. */
  const enrollmentOf = async (request: FastifyRequest): Promise<{ id: string; trace: Context } | undefined> => {
    if (!options.enrollmentRoutes || !namesEnrollment(request.routeOptions.url)) return undefined;
    const { id } = request.params as { id?: unknown };
    // Only what reads as an enrollment's id is looked up: a path segment may hold anything, a card number
    // included, which must reach no query.
    if (typeof id !== 'string' || !enrollmentIdPattern.test(id)) return undefined;
    try {
      // Recorded once found, so it is an enrollment's id.
      const found = enrollmentTraceContext(await options.enrollmentRoutes.lookup(id, request));
      return found && { id, trace: found };
    } catch {
      return undefined; // tracing never fails a request: its span starts a trace of its own
    }
  };

  /** Requests naming an enrollment, between their arrival and their handler: when each arrived. */
  const arrivals = new WeakMap<FastifyRequest, number>();

  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const run = () => {
        const span = spans.get(request);
        if (!span) return handler.call(this, request, reply);
        return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
      };
      const arrived = arrivals.get(request);
      if (arrived === undefined) return run();
      // Past its hooks: the caller is authenticated, and only its own enrollment's trace is joined.
      arrivals.delete(request);
      return enrollmentOf(request).then((enrollment) => {
        startSpan(request, arrived, enrollment);
        return run();
      });
    };
  });

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !untraced.has(route)) {
      if (namesEnrollment(route)) arrivals.set(request, Date.now());
      else startSpan(request, Date.now(), undefined);
    }
    done();
  });

  const startSpan = (
    request: FastifyRequest,
    startTime: number,
    enrollment: { id: string; trace: Context } | undefined,
  ): void => {
    const route = request.routeOptions.url;
    const parent =
      enrollment?.trace ??
      (options.continueCallersTrace ? propagation.extract(ROOT_CONTEXT, request.headers) : ROOT_CONTEXT);
    const span = tracer.startSpan(
      route === undefined ? request.method : `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          ...(route !== undefined && { [ATTR_HTTP_ROUTE]: route }),
          ...(enrollment && { [enrollmentIdAttribute]: enrollment.id }),
        },
        startTime,
      },
      parent,
    );
    spans.set(request, span);
  };

  const end = (request: FastifyRequest, status?: number): void => {
    // Refused before its handler (not authenticated, invalid, limited): a trace of its own.
    const arrived = arrivals.get(request);
    if (arrived !== undefined) {
      arrivals.delete(request);
      startSpan(request, arrived, undefined);
    }
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    if (status === undefined || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (status !== undefined) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    span.end();
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request);
    done();
  });
}
