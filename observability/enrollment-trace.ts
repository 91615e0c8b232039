/**
 * One trace per enrollment. The API's span for the request that starts an enrollment is the trace's root, and
 * its traceparent is kept with the enrollment (db/enrollments.ts); whatever happens to the enrollment later,
 * in another request, joins that trace by it, since no network echoes a trace context back.
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { activeTracer } from './tracing.js';

/** The enrollment's traceparent as kept, or undefined (started with tracing off, or no such enrollment). */
export type EnrollmentTraceLookup = (enrollmentId: string) => Promise<string | undefined>;

export const enrollmentIdAttribute = 'pushprov.enrollment_id';

/** The traceparent of the span under way, to keep with the enrollment it starts; none without tracing. */
export function activeTraceParent(): string | undefined {
  if (!activeTracer() || !trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context whose span is the enrollment's root, from its kept traceparent. */
export function enrollmentTraceContext(traceParent: string | undefined): Context | undefined {
  if (traceParent === undefined) return undefined;
  const extracted = propagation.extract(ROOT_CONTEXT, { traceparent: traceParent });
  return trace.getSpanContext(extracted) ? extracted : undefined;
}

/**
 * `work` on an enrollment found inside a request that was not started in its trace (a network's callback,
 * correlated by its receipt or its card): run in a span that is a CHILD of the enrollment's root, so that it
 * and all it causes (the signal to the workflow, the activities) are in the enrollment's trace, with a LINK
 * to the request's own span, which began before the enrollment was known and so is the root of a trace of
 * its own. Without tracing, `work` alone.
 */
export async function inEnrollmentTrace<T>(
  lookup: EnrollmentTraceLookup,
  enrollmentId: string,
  spanName: string,
  work: () => Promise<T>,
): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work();
  // Tracing never fails the work it traces: a lookup that fails leaves the work outside the enrollment's trace.
  const parent = enrollmentTraceContext(await lookup(enrollmentId).catch(() => undefined));
  if (!parent) return work();
  const request = trace.getActiveSpan()?.spanContext();
  return tracer.startActiveSpan(
    spanName,
    {
      kind: SpanKind.INTERNAL,
      attributes: { [enrollmentIdAttribute]: enrollmentId },
      ...(request && { links: [{ context: request }] }),
    },
    parent,
    async (span) => {
      try {
        return await work();
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
