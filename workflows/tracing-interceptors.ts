/**
 * OpenTelemetry in the workflows, in the bundle only when the worker traces (workers/enrollment-worker.ts): the
 * workflow's run, its signals and updates and the activities it starts as spans, exported through the sink of
 * @temporalio/interceptors-opentelemetry, their context handed on in headers as that package does. Its own
 * interceptors are not used because they change the workflow's course: their span ids come from the workflow's
 * seeded Math.random, which every id drawn moves on, and they add awaits; a history recorded without them does
 * not replay with them (updates' histories fail with a nondeterminism error). Here ids come from the run id and a
 * count, and each interceptor returns the very promise the next one returns (the span ends beside it): a history
 * replays the same with tracing or without (test/unit/enrollment-replay.test.ts).
 */
// First: the OpenTelemetry SDK needs `performance` and `window` in the workflow's sandbox.
import '@temporalio/interceptors-opentelemetry/lib/workflow/runtime.js';
import { context as otelContext, SpanStatusCode, trace, type Context, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import {
  extractContextFromHeaders,
  headersWithContext,
} from '@temporalio/interceptors-opentelemetry/lib/instrumentation.js';
import { ContextManager } from '@temporalio/interceptors-opentelemetry/lib/workflow/context-manager.js';
import { SPAN_DELIMITER, SpanName } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions.js';
import { SpanExporter } from '@temporalio/interceptors-opentelemetry/lib/workflow/span-exporter.js';
import {
  ContinueAsNew,
  workflowInfo,
  type Headers,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { isCardSafeId } from '../observability/card-safe-spans.js';

/** FNV-1a over the text, from a seed: 8 hex digits. */
function fnv1a(text: string, seed: number): string {
  let hash = 0x811c9dc5 ^ seed;
  for (let index = 0; index < text.length; index += 1) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Ids from the run's id and a count: unique in the run, distinct across runs, and no draw on the workflow's randomness. */
class RunScopedIds implements IdGenerator {
  private drawn = 0;

  constructor(private readonly runId: string) {}

  generateTraceId(): string {
    return this.next(4);
  }

  generateSpanId(): string {
    return this.next(2);
  }

  private next(words: number): string {
    for (;;) {
      this.drawn += 1;
      const seedText = `${this.runId}/${this.drawn}`;
      const id = Array.from({ length: words }, (_, word) => fnv1a(seedText, word)).join('');
      if (isCardSafeId(id)) return id;
    }
  }
}

/** `work` in a span, child of `parent` (else of the active span); the same promise `work` returns. */
function traced<T>(tracer: Tracer, name: string, parent: Context | undefined, work: () => Promise<T>): Promise<T> {
  const under = parent ?? otelContext.active();
  const span = tracer.startSpan(name, {}, under);
  let result: Promise<T>;
  try {
    result = otelContext.with(trace.setSpan(under, span), work);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR }).end();
    throw error;
  }
  // Beside the workflow's own continuation, never in front of it. The failure's kind only, not its message.
  result.then(
    () => span.setStatus({ code: SpanStatusCode.OK }).end(),
    (error: unknown) =>
      span.setStatus({ code: error instanceof ContinueAsNew ? SpanStatusCode.OK : SpanStatusCode.ERROR }).end(),
  );
  return result;
}

const named = (kind: SpanName, what: string): string => `${kind}${SPAN_DELIMITER}${what}`;

/** The workflow's run, signals and updates, each in the span of the caller's context; validators and queries untraced. */
function inbound(tracer: Tracer): WorkflowInboundCallsInterceptor {
  const handle = <Input extends { headers: Headers }, Output>(
    name: string,
    input: Input,
    next: (input: Input) => Promise<Output>,
  ): Promise<Output> => traced(tracer, name, extractContextFromHeaders(input.headers), () => next(input));
  return {
    execute: (input, next) => handle(named(SpanName.WORKFLOW_EXECUTE, workflowInfo().workflowType), input, next),
    handleSignal: (input, next) => handle(named(SpanName.WORKFLOW_HANDLE_SIGNAL, input.signalName), input, next),
    handleUpdate: (input, next) => handle(named(SpanName.WORKFLOW_HANDLE_UPDATE, input.name), input, next),
  };
}

/** What the workflow starts, in a span whose context it carries in its headers. */
function outbound(tracer: Tracer): WorkflowOutboundCallsInterceptor {
  const handOn = <Input extends { headers: Headers }, Output>(
    name: string,
    input: Input,
    next: (input: Input) => Promise<Output>,
  ): Promise<Output> =>
    traced(tracer, name, undefined, () => next({ ...input, headers: headersWithContext(input.headers) }));
  return {
    scheduleActivity: (input, next) => handOn(named(SpanName.ACTIVITY_START, input.activityType), input, next),
    scheduleLocalActivity: (input, next) => handOn(named(SpanName.ACTIVITY_START, input.activityType), input, next),
    signalWorkflow: (input, next) => handOn(named(SpanName.WORKFLOW_SIGNAL, input.signalName), input, next),
    startChildWorkflowExecution: (input, next) =>
      handOn(named(SpanName.CHILD_WORKFLOW_START, input.workflowType), input, next),
    // The next run continues the trace; this run's span ends as a success.
    continueAsNew: (input, next) =>
      handOn(named(SpanName.CONTINUE_AS_NEW, input.options.workflowType ?? workflowInfo().workflowType), input, next),
  };
}

/** Once per workflow: its tracer, whose spans leave by the worker's sink, and its context in the sandbox. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  const contextManager = new ContextManager();
  const provider = new BasicTracerProvider({
    idGenerator: new RunScopedIds(workflowInfo().runId),
    spanProcessors: [new SimpleSpanProcessor(new SpanExporter())],
  });
  provider.register({ contextManager });
  const tracer = provider.getTracer('pushprov-workflow');
  return {
    inbound: [inbound(tracer)],
    outbound: [outbound(tracer)],
    internals: [
      {
        dispose(input, next) {
          contextManager.disable();
          next(input);
        },
      },
    ],
  };
};
