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
import { enrollmentIdAttribute, enrollmentTraceContext, type EnrollmentTraceLookup } from './enrollment-trace.js';
import { enrollmentIdPattern } from '../domain/enrollment.js';
import { activeTracer } from './tracing.js';

export interface HttpServerSpanOptions {
  /**
   * Whether a caller's traceparent is continued: yes for a simulated network (whose caller is the engine);
   * no for the API, whose callers are the public and the networks: each of its requests starts a trace, or
   * joins its enrollment's.
   */
  continueCallersTrace: boolean;
  /** Routes whose template begins with `<prefix>/:id` name an enrollment: their span joins its trace. */
  enrollmentRoutes?: { prefix: string; lookup: EnrollmentTraceLookup };
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

  /** The enrollment the request's path names, and its trace, when it is one that was started traced. */
  const enrollmentOf = async (request: FastifyRequest): Promise<{ id: string; trace: Context } | undefined> => {
    const route = request.routeOptions.url;
    if (!enrollmentRoute || !options.enrollmentRoutes || !route) return undefined;
    if (route !== enrollmentRoute && !route.startsWith(`${enrollmentRoute}/`)) return undefined;
    const { id } = request.params as { id?: unknown };
    // Only what reads as an enrollment's id is looked up: this hook runs before validation, and a path segment
    // may hold anything, a card number included, which must reach no query.
    if (typeof id !== 'string' || !enrollmentIdPattern.test(id)) return undefined;
    try {
      // Recorded once found, so it is an enrollment's id.
      const found = enrollmentTraceContext(await options.enrollmentRoutes.lookup(id));
      return found && { id, trace: found };
    } catch {
      return undefined; // tracing never fails a request: its span starts a trace of its own
    }
  };

  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const span = spans.get(request);
      if (!span) return handler.call(this, request, reply);
      return context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply));
    };
  });

  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route !== undefined && untraced.has(route)) return;
    const enrollment = await enrollmentOf(request);
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
      },
      parent,
    );
    spans.set(request, span);
  });

  const end = (request: FastifyRequest, status?: number): void => {
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
