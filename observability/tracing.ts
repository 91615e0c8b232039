/**
 * The process's OpenTelemetry tracing: installed once at start when an OTLP endpoint is configured, else not
 * at all (no provider, no context manager, no interceptor, no hook: the hot path is what it is without it).
 * Every span leaves through the card-safe exporter (card-safe-spans.ts), in batches.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Env } from '../config/env.js';
import { CardSafeIdGenerator, CardSafeSpanExporter } from './card-safe-spans.js';

export const tracerName = 'pushprov';

export interface Tracing {
  tracer: Tracer;
  resource: Resource;
  /** The processor every span of the process ends in, the workflows' (exported through a sink) included. */
  spanProcessor: SpanProcessor;
  /** Exports the spans ended so far (tests, and before the process exits). */
  forceFlush(): Promise<void>;
  /** Exports what is left and uninstalls: the process is as if tracing had never been installed. */
  shutdown(): Promise<void>;
}

let installed: Tracing | undefined;

/** The tracer when tracing is installed in this process; undefined (and nothing to do) otherwise. */
export function activeTracer(): Tracer | undefined {
  return installed?.tracer;
}

/** Installs tracing for the process: the global provider, the async context and the W3C propagator. */
export function installTracing(options: { serviceName: string; exporter: SpanExporter }): Tracing {
  if (installed) throw new Error('Tracing is already installed in this process');
  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const spanProcessor = new BatchSpanProcessor(new CardSafeSpanExporter(options.exporter));
  const provider = new NodeTracerProvider({
    resource,
    idGenerator: new CardSafeIdGenerator(),
    spanProcessors: [spanProcessor],
  });
  // traceparent only: baggage is not read from callers, nor sent to the networks.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  const tracing: Tracing = {
    tracer: provider.getTracer(tracerName),
    resource,
    spanProcessor,
    forceFlush: () => provider.forceFlush(),
    async shutdown() {
      if (installed !== tracing) return;
      installed = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  installed = tracing;
  return tracing;
}

/** Where the spans go (OTLP over HTTP), when the environment names a collector. */
export function otlpTracesUrl(
  env: Pick<Env, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>,
): string | undefined {
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`;
  return undefined;
}

/** Tracing as the environment configures it for this process (`pushprov-api`, ...), or none. */
export function tracingFromEnv(
  env: Pick<Env, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  processName: string,
): Tracing | undefined {
  const url = otlpTracesUrl(env);
  if (!url) return undefined;
  return installTracing({
    serviceName: env.OTEL_SERVICE_NAME ?? processName,
    exporter: new OTLPTraceExporter({ url }),
  });
}
