// OpenTelemetry tracing over the whole engine in this process (the API on a port, the worker on the Temporal dev
// server, the sandbox networks over HTTP, PostgreSQL), every span caught by an in-memory exporter behind the
// engine's own pipeline: one enrollment is one trace, from the API's span that started it to the networks'
// callbacks, and no span carries card data, not even what a hostile caller puts in a path, a query or a header.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalDataConverter } from '../../activities/crypto/payload-codec.js';
import { holdsCardNumber } from '../../domain/caller-text.js';
import { cardDataRemoved } from '../../observability/card-safe-spans.js';
import { workerTracing } from '../../observability/temporal-tracing.js';
import { activeTracer, installTracing, type Tracing } from '../../observability/tracing.js';
import { bundleEnrollmentWorkflows } from '../../workers/enrollment-worker.js';
import { apiCaller, completeAtTokenRequestor, enrollmentReaches, oneTimeCodeOf, start } from '../support/api-caller.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';

const pan = '5204731600014792';
const wallet = '50110030273';
const callbackUrl = 'https://issuer.example/cards/added';

let exporter: InMemorySpanExporter;
let tracing: Tracing;
let stack: EngineStack;
/** The enrollment the first test follows, whose history the last one replays. */
let tracedEnrollment: string | undefined;

beforeAll(async () => {
  exporter = new InMemorySpanExporter();
  tracing = installTracing({ serviceName: 'pushprov-test', exporter });
  stack = await startEngineStack({ tracing });
});

afterAll(async () => {
  await stack?.stop();
  await tracing?.shutdown();
});

const idOf = (span: ReadableSpan): string => span.spanContext().spanId;
const traceOf = (span: ReadableSpan): string => span.spanContext().traceId;

/** Every text of a span that is exported: its name, attribute keys and values, events, links, status. */
function textsOf(span: ReadableSpan): string[] {
  const attributes = (attributes: object | undefined) =>
    Object.entries(attributes ?? {}).flatMap(([key, value]) => [key, JSON.stringify(value) ?? String(value)]);
  return [
    span.name,
    ...attributes(span.attributes),
    ...span.events.flatMap((event) => [event.name, ...attributes(event.attributes)]),
    ...span.links.flatMap((link) => attributes(link.attributes)),
    span.status.message ?? '',
    ...attributes(span.resource.attributes),
  ];
}

describe('tracing', () => {
  it('follows one enrollment in one trace, from the API through the workflow and activities to the networks and their callbacks', async () => {
    const customer = await apiCaller(stack);
    // The card typed in: its number crosses the API in a request body, which no span records.
    const capture = await customer.call('POST', '/v1/card-captures', {
      method: 'manual',
      card: { number: pan, expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
    });
    expect(capture.status).toBe(201);
    const started = await start(customer, {
      cards: [{ captureId: capture.body.captureId, method: 'manual' }],
      tokenRequestorId: wallet,
      pushMethod: 'WEB',
      callbackUrl,
    });
    expect(started.status).toBe(201);
    const enrollmentId = started.body.id;
    tracedEnrollment = enrollmentId;
    await enrollmentReaches(customer, enrollmentId, 'AWAITING_AUTHENTICATION');
    const code = await oneTimeCodeOf(stack, enrollmentId);
    const authenticated = await customer.call('POST', `/v1/enrollments/${enrollmentId}/one-time-code`, { code });
    expect(authenticated.body.outcome).toBe('AUTHENTICATED');
    expect(await completeAtTokenRequestor(stack, authenticated.body.redirect.url, callbackUrl)).toContain('Added to');
    await enrollmentReaches(customer, enrollmentId, 'COMPLETED');
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const byId = new Map(spans.map((span) => [idOf(span), span]));
    const parentOf = (span: ReadableSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);
    /** The span's ancestors, nearest first. */
    const ancestors = (span: ReadableSpan): ReadableSpan[] => {
      const found: ReadableSpan[] = [];
      for (let parent = parentOf(span); parent; parent = parentOf(parent)) found.push(parent);
      return found;
    };
    const ancestry = (span: ReadableSpan): string[] => ancestors(span).map((ancestor) => ancestor.name);

    // The root: the API's span for the request that started the enrollment, its traceparent kept with it.
    const startWorkflow = spans.find(
      (span) => span.name === 'StartWorkflow:enrollmentWorkflow' && span.attributes.temporalWorkflowId === enrollmentId,
    )!;
    expect(startWorkflow).toBeDefined();
    const root = parentOf(startWorkflow)!;
    expect(root).toMatchObject({ name: 'POST /v1/enrollments', kind: SpanKind.SERVER, parentSpanId: undefined });
    const { rows } = await stack.pool.query<{ trace_parent: string }>(
      'SELECT trace_parent FROM enrollments WHERE enrollment_id = $1',
      [enrollmentId],
    );
    expect(rows[0]!.trace_parent).toBe(`00-${traceOf(root)}-${idOf(root)}-01`);

    // Every span that names the enrollment is in its trace, and the trace is all of a piece: each span's
    // parent is a span of the trace, up to the root.
    const trace = spans.filter((span) => traceOf(span) === traceOf(root));
    const namingIt = spans.filter((span) => Object.values(span.attributes).includes(enrollmentId));
    expect(namingIt.length).toBeGreaterThan(20);
    expect(namingIt.filter((span) => traceOf(span) !== traceOf(root)).map((span) => span.name)).toEqual([]);
    for (const span of trace) {
      if (span !== root) expect(ancestors(span).at(-1), span.name).toBe(root);
    }

    // API -> workflow -> activity -> the network's HTTP call -> the network's server span (the sandbox, which
    // continues the traceparent it is sent).
    const run = trace.find((span) => span.name === 'RunWorkflow:enrollmentWorkflow')!;
    expect(parentOf(run)).toBe(startWorkflow);
    const networkCalls = trace.filter(
      (span) => span.kind === SpanKind.CLIENT && span.attributes['pushprov.peer'] === 'MDES',
    );
    expect(networkCalls.map((span) => span.attributes['pushprov.operation'])).toContain('pushMultipleAccounts');
    const push = networkCalls.find((span) => span.attributes['pushprov.operation'] === 'pushMultipleAccounts')!;
    expect(push).toMatchObject({
      name: 'POST MDES pushMultipleAccounts',
      attributes: { 'http.response.status_code': 200 },
    });
    const [activity, scheduled] = [parentOf(push)!, parentOf(parentOf(push)!)!];
    expect(activity.name).toMatch(/^RunActivity:/);
    expect(scheduled.name).toBe(activity.name.replace('RunActivity', 'StartActivity'));
    expect(ancestry(push)).toContain('RunWorkflow:enrollmentWorkflow');
    const atNetwork = trace.find((span) => span.kind === SpanKind.SERVER && span.parentSpanId === idOf(push));
    expect(atNetwork?.attributes['http.route']).toBeDefined();

    // The consumer's later request joins the trace as a child of the root, and its update reaches the workflow.
    const codeRequest = trace.find((span) => span.name === 'POST /v1/enrollments/:id/one-time-code')!;
    expect(codeRequest).toMatchObject({ parentSpanId: idOf(root), kind: SpanKind.SERVER });
    expect(codeRequest.attributes['pushprov.enrollment_id']).toBe(enrollmentId);
    expect(ancestry(trace.find((span) => span.name === 'HandleUpdate:submitOneTimeCode')!)).toContain(codeRequest.name);

    // The network's callbacks, which carry no context of the engine's: correlated to the enrollment, their
    // span is a child of the root, linked to the callback request's own span; the token's signal follows.
    for (const operation of ['authorizeService', 'notifyTokenUpdated']) {
      const callback = trace.find((span) => span.name === `network callback ${operation}`)!;
      expect(callback, operation).toBeDefined();
      expect(callback.parentSpanId).toBe(idOf(root));
      const request = byId.get(callback.links[0]!.context.spanId)!;
      expect(request).toMatchObject({
        kind: SpanKind.SERVER,
        attributes: { 'http.route': `/networks/mdes/issuerServices/1/0/${operation}` },
      });
      expect(traceOf(request)).not.toBe(traceOf(root));
    }
    const signal = trace.find((span) => span.name === 'SignalWorkflow:tokenUpdated')!;
    expect(parentOf(signal)?.name).toBe('network callback notifyTokenUpdated');
    expect(trace.some((span) => span.name === 'HandleSignal:tokenUpdated' && span.parentSpanId === idOf(signal))).toBe(
      true,
    );

    // No card data in any span of the process, and none that the card-safe exporter had to remove: the
    // attributes are chosen so that there is none to begin with.
    const leaks = spans.flatMap((span) => textsOf(span).filter((text) => text.includes(pan) || holdsCardNumber(text)));
    expect(leaks).toEqual([]);
    expect(spans.filter((span) => span.attributes[cardDataRemoved] !== undefined).map((span) => span.name)).toEqual([]);
  });

  it('records nothing of a card number a caller puts in a path, a query, a header or a traceparent', async () => {
    exporter.reset();
    const customer = await apiCaller(stack);
    // A traceparent whose trace id begins with the card number: callers' trace contexts are not continued.
    const hostileTraceId = `${pan}${'a'.repeat(16)}`;
    const hostile = {
      'x-request-id': pan,
      'x-card-number': pan,
      traceparent: `00-${hostileTraceId}-aaaaaaaaaaaaaaaa-01`,
    };
    const answers = await Promise.all([
      customer.call('GET', `/v1/enrollments/${pan}`, undefined, hostile),
      customer.call('POST', `/v1/enrollments/${pan}/one-time-code`, { code: pan }, hostile),
      customer.call('GET', `/v1/cards?number=${pan}&pan=${pan.match(/.{4}/g)!.join('-')}`, undefined, hostile),
      customer.call('GET', `/nowhere/${pan}?q=${pan}`, undefined, hostile),
      fetch(`${stack.apiUrl}/networks/mdes/issuerServices/1/0/${pan}`, { method: 'POST', headers: hostile, body: pan }),
    ]);
    expect(answers.map((answer) => answer.status)).not.toContain(500);

    // And a span made carelessly in this process (a card number in its name, attributes, event and status)
    // leaves it card-safe: the exporter is handed it without them.
    const careless = activeTracer()!.startSpan(`careless ${pan}`, { attributes: { 'card.number': pan, fine: 'yes' } });
    careless.addEvent(`saw ${pan}`, { number: pan });
    careless.setStatus({ code: SpanStatusCode.ERROR, message: `declined ${pan}` });
    careless.end();

    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => span.name)).toEqual(
      expect.arrayContaining([
        'GET /v1/enrollments/:id',
        'POST /v1/enrollments/:id/one-time-code',
        'GET /v1/cards',
        'GET',
        'POST',
      ]),
    );
    expect(spans.filter((span) => traceOf(span) === hostileTraceId)).toEqual([]);
    // An id that is no enrollment's joins no trace and is not recorded.
    expect(spans.filter((span) => span.attributes['pushprov.enrollment_id'] !== undefined)).toEqual([]);
    const leaks = spans.flatMap((span) => textsOf(span).filter((text) => text.includes(pan) || holdsCardNumber(text)));
    expect(leaks).toEqual([]);
    const removedFrom = spans.filter((span) => span.attributes[cardDataRemoved] !== undefined);
    expect(removedFrom.map((span) => span.name)).toEqual(['careless 520473******4792']);

    const exported = spans.find((span) => span.name.startsWith('careless'))!;
    expect(exported.name).toBe('careless 520473******4792');
    // Its name, its attribute, its event's name and attribute, its status message.
    expect(exported.attributes).toEqual({ fine: 'yes', [cardDataRemoved]: 5 });
    expect(exported.events).toMatchObject([{ name: 'saw 520473******4792', attributes: {} }]);
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR, message: 'declined 520473******4792' });
  });

  it("lets no other caller add a span to an enrollment's trace: not another customer, nor one not authenticated", async () => {
    expect(tracedEnrollment).toBeDefined();
    const owner = (
      await stack.pool.query<{ trace_parent: string }>(
        'SELECT trace_parent FROM enrollments WHERE enrollment_id = $1',
        [tracedEnrollment],
      )
    ).rows[0]!.trace_parent.split('-')[1];
    exporter.reset();
    const stranger = await apiCaller(stack);
    const answers = await Promise.all([
      stranger.call('GET', `/v1/enrollments/${tracedEnrollment}`),
      stranger.call('POST', `/v1/enrollments/${tracedEnrollment}/cancel`, { reason: 'not mine' }),
      fetch(`${stack.apiUrl}/v1/enrollments/${tracedEnrollment}`),
      fetch(`${stack.apiUrl}/v1/enrollments/${tracedEnrollment}`, { headers: { authorization: 'Bearer forged' } }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 401, 401]);
    await tracing.forceFlush();
    const requests = exporter
      .getFinishedSpans()
      .filter((span) => span.kind === SpanKind.SERVER && span.name.includes('/v1/enrollments/'));
    expect(requests.map((span) => span.name).sort()).toEqual([
      'GET /v1/enrollments/:id',
      'GET /v1/enrollments/:id',
      'GET /v1/enrollments/:id',
      'POST /v1/enrollments/:id/cancel',
    ]);
    expect(requests.filter((span) => traceOf(span) === owner)).toEqual([]);
    expect(requests.filter((span) => span.attributes['pushprov.enrollment_id'] !== undefined)).toEqual([]);
  });

  it('leaves histories that replay on a worker without tracing, as on one with it', async () => {
    expect(tracedEnrollment).toBeDefined();
    const history = await stack.client.workflow.getHandle(tracedEnrollment!).fetchHistory();
    const dataConverter = temporalDataConverter(stack.keys.payload);
    for (const traced of [false, true]) {
      await Worker.runReplayHistory(
        {
          workflowBundle: await bundleEnrollmentWorkflows({ traced }),
          dataConverter,
          sinks: workerTracing(tracing).sinks,
        },
        history,
        tracedEnrollment,
      );
    }
  });
});
