// Tracing's pieces without servers: off unless an OTLP endpoint is configured, the card-safe rule every exported
// span passes through, the ids this process draws, and outgoing calls with and without tracing.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseEnv } from '../../config/env.js';
import { holdsCardNumber } from '../../domain/caller-text.js';
import {
  cardDataRemoved,
  cardSafeSpan,
  CardSafeIdGenerator,
  isCardSafeId,
} from '../../observability/card-safe-spans.js';
import { inEnrollmentTrace } from '../../observability/enrollment-trace.js';
import { tracedFetch } from '../../observability/http-client-spans.js';
import { registerHttpServerSpans } from '../../observability/http-server-spans.js';
import { activeTracer, installTracing, otlpTracesUrl, tracingFromEnv } from '../../observability/tracing.js';

const pan = '4111111111111111';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('tracing configuration', () => {
  it('installs nothing without an OTLP endpoint', () => {
    expect(tracingFromEnv(parseEnv({}), 'pushprov-api')).toBeUndefined();
    expect(activeTracer()).toBeUndefined();
    // The API's global provider is still its no-op: a span from it records nothing.
    expect(trace.getTracer('any').startSpan('x').isRecording()).toBe(false);
  });

  it('sends to the traces endpoint, or to /v1/traces under the general one', () => {
    expect(otlpTracesUrl(parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(
      otlpTracesUrl(
        parseEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
        }),
      ),
    ).toBe('http://traces:4318/custom');
    expect(() => parseEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('is installed once, and uninstalled by its shutdown', async () => {
    const tracing = installTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() });
    try {
      expect(activeTracer()).toBe(tracing.tracer);
      expect(() => installTracing({ serviceName: 'again', exporter: new InMemorySpanExporter() })).toThrow(/already/);
    } finally {
      await tracing.shutdown();
    }
    expect(activeTracer()).toBeUndefined();
    expect(trace.getTracer('any').startSpan('x').isRecording()).toBe(false);
  });
});

/** A finished span as the SDK hands it to an exporter, with these parts. */
function spanWith(parts: Partial<ReadableSpan>): ReadableSpan {
  const context = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  return {
    name: 'POST /v1/enrollments',
    kind: SpanKind.SERVER,
    spanContext: () => context,
    startTime: [0, 0],
    endTime: [0, 1],
    status: { code: SpanStatusCode.UNSET },
    attributes: { 'http.route': '/v1/enrollments' },
    links: [],
    events: [],
    duration: [0, 1],
    ended: true,
    resource: { attributes: {} } as ReadableSpan['resource'],
    instrumentationLibrary: { name: 'test' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...parts,
  };
}

describe('the card-safe rule', () => {
  it('passes a span with nothing to remove as it is', () => {
    const span = spanWith({ events: [{ name: 'retry', time: [0, 0], attributes: { attempt: 2 } }] });
    expect(cardSafeSpan(span)).toBe(span);
  });

  it('drops attributes holding a card number (as text, as a number, in an array, in a key), and counts them', () => {
    const safe = cardSafeSpan(
      spanWith({
        attributes: {
          'http.route': '/v1/enrollments',
          text: `card ${pan.match(/.{4}/g)!.join(' ')}`,
          number: Number(pan),
          list: ['ok', pan],
          [`key-${pan}`]: 'x',
        },
      }),
    );
    expect(safe.attributes).toEqual({ 'http.route': '/v1/enrollments', [cardDataRemoved]: 4 });
    expect(safe.droppedAttributesCount).toBe(4);
    expect(safe.spanContext()).toEqual(spanWith({}).spanContext());
  });

  it('drops what is no attribute value (objects, as the workflow sink copies them) without calling it card data', () => {
    const safe = cardSafeSpan(
      spanWith({
        attributes: { workflowId: 'enrollment-1', memo: { note: 'x' } as never, startTime: new Date() as never },
      }),
    );
    expect(safe.attributes).toEqual({ workflowId: 'enrollment-1' });
  });

  it('masks a card number in the name, an event, a link and the status message', () => {
    const safe = cardSafeSpan(
      spanWith({
        name: `GET /cards/${pan}`,
        status: { code: SpanStatusCode.ERROR, message: `declined ${pan}` },
        events: [{ name: `exception ${pan}`, time: [0, 0], attributes: { 'exception.message': pan, kept: 1 } }],
        links: [{ context: spanWith({}).spanContext(), attributes: { card: pan } }],
      }),
    );
    expect(safe.name).toBe('GET /cards/411111******1111');
    expect(safe.status.message).toBe('declined 411111******1111');
    expect(safe.events).toEqual([{ name: 'exception 411111******1111', time: [0, 0], attributes: { kept: 1 } }]);
    expect(safe.links[0]!.attributes).toEqual({});
    expect(safe.attributes[cardDataRemoved]).toBe(5);
  });

  it('draws trace and span ids that never read as card numbers, nor start or end with a digit', () => {
    const ids = new CardSafeIdGenerator();
    const drawn = Array.from({ length: 2000 }, () => [ids.generateTraceId(), ids.generateSpanId()]).flat();
    expect(drawn.every((id) => /^[0-9a-f]+$/.test(id) && (id.length === 32 || id.length === 16))).toBe(true);
    expect(drawn.filter((id) => !isCardSafeId(id) || holdsCardNumber(`00-${id}-${id}-01`))).toEqual([]);
    expect(new Set(drawn).size).toBe(drawn.length);
    expect(isCardSafeId(`a${pan}a`)).toBe(false);
    expect(isCardSafeId('0123abcdef')).toBe(false);
  });
});

describe('outgoing calls', () => {
  it('are plain fetch without tracing', async () => {
    const fetched = vi.fn(() => Promise.resolve(new Response('{}')));
    vi.stubGlobal('fetch', fetched);
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' };
    await tracedFetch({ peer: 'MDES', operation: 'pushAccounts' }, 'https://mdes.example/x', init);
    expect(fetched).toHaveBeenCalledWith('https://mdes.example/x', init);
  });

  it('send a traceparent and record a client span without the path or query', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = installTracing({ serviceName: 'test', exporter });
    try {
      const fetched = vi.fn((_url: string, _init: RequestInit) => Promise.resolve(new Response('{}', { status: 201 })));
      vi.stubGlobal('fetch', fetched);
      await tracedFetch({ peer: 'VTS', operation: 'provision' }, `https://vts.example:8443/p/${pan}?pan=${pan}`, {
        method: 'POST',
        headers: { 'x-pay-token': 'signed' },
      });
      await tracing.forceFlush();
      const [span] = exporter.getFinishedSpans();
      const headers = new Headers(fetched.mock.calls[0]![1].headers);
      expect(headers.get('x-pay-token')).toBe('signed');
      expect(headers.get('traceparent')).toBe(`00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01`);
      expect(span).toMatchObject({
        name: 'POST VTS provision',
        kind: SpanKind.CLIENT,
        attributes: {
          'pushprov.peer': 'VTS',
          'pushprov.operation': 'provision',
          'http.request.method': 'POST',
          'server.address': 'vts.example',
          'server.port': 8443,
          'http.response.status_code': 201,
        },
      });
      expect(JSON.stringify(span!.attributes)).not.toContain(pan.slice(0, 6));
    } finally {
      await tracing.shutdown();
    }
  });
});

describe("an enrollment's trace, joined by later requests", () => {
  it('is looked up only for what reads as an enrollment id: a card number in the path reaches no query', async () => {
    const tracing = installTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() });
    try {
      const looked: string[] = [];
      const app = Fastify();
      registerHttpServerSpans(app, {
        continueCallersTrace: false,
        enrollmentRoutes: {
          prefix: '/v1/enrollments',
          lookup: (id) => {
            looked.push(id);
            return Promise.resolve(undefined);
          },
        },
      });
      app.get('/v1/enrollments/:id', () => ({}));
      const id = `enrollment-${'0a'.repeat(16)}`;
      for (const segment of [pan, `enrollment-${pan}`, encodeURIComponent(`${id} `), id]) {
        await app.inject({ method: 'GET', url: `/v1/enrollments/${segment}` });
      }
      expect(looked).toEqual([id]);
      await app.close();
    } finally {
      await tracing.shutdown();
    }
  });

  it('never fails the work it traces: a lookup that fails leaves the work outside the trace', async () => {
    const tracing = installTracing({ serviceName: 'test', exporter: new InMemorySpanExporter() });
    try {
      const done = await inEnrollmentTrace(
        () => Promise.reject(new Error('the database is away')),
        `enrollment-${'0a'.repeat(16)}`,
        'network callback authorizeService',
        () => Promise.resolve('answered'),
      );
      expect(done).toBe('answered');
    } finally {
      await tracing.shutdown();
    }
  });
});
