/**
 * Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry), for a client and a worker
 * of a process where tracing is installed: the client's calls (start, signal, update, query) carry the
 * active span's context in the workflow's headers; the workflow's spans (RunWorkflow, HandleUpdate,
 * StartActivity...: workflows/tracing-interceptors.ts) are made in the sandbox and exported through a sink
 * into the process's span processor;
 * the activities run in spans that are children of the workflow's StartActivity span.
 */
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import type { Tracing } from './tracing.js';

/** The workflow interceptors module, added to the bundle only when the worker traces. */
export const tracingWorkflowInterceptorModule = fileURLToPath(
  new URL('../workflows/tracing-interceptors.ts', import.meta.url),
);

/** The same client (connection, namespace, data converter, interceptors) with its calls traced. */
export function tracedClient(client: Client, tracing: Tracing): Client {
  const { namespace, identity, dataConverter, interceptors } = client.options;
  const workflow = Array.isArray(interceptors.workflow) ? interceptors.workflow : [];
  return new Client({
    connection: client.connection,
    namespace,
    identity,
    dataConverter,
    interceptors: {
      ...interceptors,
      workflow: [...workflow, new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })],
    },
  });
}

/** What a worker adds to trace: its activities' interceptors and the sink its workflows' spans leave by. */
export interface WorkerTracing {
  activityInterceptors: ActivityInterceptorsFactory;
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export function workerTracing(tracing: Tracing): WorkerTracing {
  return {
    activityInterceptors: (context) => ({
      inbound: new OpenTelemetryActivityInboundInterceptor(context, { tracer: tracing.tracer }),
      outbound: new OpenTelemetryActivityOutboundInterceptor(context),
    }),
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
