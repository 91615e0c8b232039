/**
 * Throughput and latency of whole enrollments on the local stack (npm start), driven as consumers drive
 * them: over HTTP, through the issuer API, the dev inbox and the token requestor's page. At rising
 * concurrency until the throughput stops rising; beside each level, in the same run, a bare workflow with
 * as many activity round trips doing nothing (the floor Temporal sets on this machine).
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { bareWorkflow } from './bare-workflow.js';

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

export interface LevelRun {
  completed: number;
  failed: number;
  seconds: number;
  perSecond: number;
}

export interface EnrollmentLevel {
  concurrency: number;
  enrollments: LevelRun & {
    /** Milliseconds: start -> the code in the consumer's inbox; code submitted -> redirect returned; the whole enrollment. */
    latency: { codeSent: Percentiles; redirect: Percentiles; whole: Percentiles };
  };
  bare: LevelRun & { latency: Percentiles };
  /** The enrollments' throughput over the bare workflow's: the share of Temporal's floor the engine reaches. */
  ratio: number;
}

export interface RoundTrips {
  activities: number;
  localActivities: number;
  updates: number;
  signals: number;
}

export interface EnrollmentBench {
  roundTrips: RoundTrips;
  levels: EnrollmentLevel[];
}

export interface BenchStack {
  apiUrl: string;
  tokenRequestorsUrl: string;
  temporalAddress: string;
}

const wallet = '50110030273';
const cards = [
  { number: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
  { number: '4111111111111111', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
];

interface EnrollmentSample {
  id: string;
  codeSentMs: number;
  redirectMs: number;
  wholeMs: number;
}

export async function benchmarkEnrollments(
  stack: BenchStack,
  options: { secondsPerLevel: number; levels: number[]; log: (line: string) => void },
): Promise<EnrollmentBench> {
  Runtime.install({ logger: new DefaultLogger('WARN') }); // the bare worker's state changes are not news
  const connection = await Connection.connect({ address: stack.temporalAddress });
  const client = new Client({ connection });
  const driver = new EnrollmentDriver(stack, connection);
  try {
    // Warm up (the token requestor cache, JIT, connections), and count the round trips of one enrollment.
    let last: EnrollmentSample | undefined;
    for (let warmUp = 0; warmUp < 4; warmUp += 1) last = await driver.enrol(warmUp);
    const roundTrips = await roundTripsOf(client, last!.id);
    options.log(
      `one enrollment: ${roundTrips.activities} activities, ${roundTrips.localActivities} local activities, ` +
        `${roundTrips.updates} updates, ${roundTrips.signals} signals`,
    );

    const taskQueue = `bench-bare-${randomUUID()}`;
    const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    const worker = await Worker.create({
      connection: workerConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('bare-workflow.ts', import.meta.url)),
      activities: { nothing: () => Promise.resolve() },
    });
    const running = worker.run();
    const bare = async (): Promise<number> => {
      const started = performance.now();
      await client.workflow.execute(bareWorkflow, {
        taskQueue,
        workflowId: `bench-bare-${randomUUID()}`,
        args: [roundTrips.activities, roundTrips.localActivities],
      });
      return performance.now() - started;
    };
    try {
      for (let warmUp = 0; warmUp < 4; warmUp += 1) await bare();
      const levels: EnrollmentLevel[] = [];
      let sequence = 1_000;
      for (const concurrency of options.levels) {
        const enrollments = await atConcurrency(concurrency, options.secondsPerLevel, () => driver.enrol(sequence++));
        const bareRun = await atConcurrency(concurrency, options.secondsPerLevel, bare);
        const level: EnrollmentLevel = {
          concurrency,
          enrollments: {
            ...enrollments.run,
            latency: {
              codeSent: percentiles(enrollments.samples.map((sample) => sample.codeSentMs)),
              redirect: percentiles(enrollments.samples.map((sample) => sample.redirectMs)),
              whole: percentiles(enrollments.samples.map((sample) => sample.wholeMs)),
            },
          },
          bare: { ...bareRun.run, latency: percentiles(bareRun.samples) },
          ratio: enrollments.run.perSecond / bareRun.run.perSecond,
        };
        levels.push(level);
        options.log(
          `concurrency ${concurrency}: ${level.enrollments.perSecond.toFixed(2)} enrollments/s ` +
            `(${level.enrollments.failed} failed), bare ${level.bare.perSecond.toFixed(2)}/s`,
        );
        // Saturated: two levels in a row without 10 % more than the best before them.
        const rate = (index: number): number => levels[index]?.enrollments.perSecond ?? 0;
        const bestBefore = (index: number): number => Math.max(...levels.slice(0, index).map((_, at) => rate(at)));
        const flat = (index: number): boolean => index > 0 && rate(index) < bestBefore(index) * 1.1;
        if (flat(levels.length - 1) && flat(levels.length - 2)) break;
      }
      return { roundTrips, levels };
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
    }
  } finally {
    await connection.close();
  }
}

/** `concurrency` loops each running `work` back to back for `seconds`; failures counted, not timed. */
async function atConcurrency<T>(
  concurrency: number,
  seconds: number,
  work: () => Promise<T>,
): Promise<{ run: LevelRun; samples: T[] }> {
  const samples: T[] = [];
  let failed = 0;
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        try {
          samples.push(await work());
        } catch (error) {
          failed += 1;
          if (failed <= 3) console.warn(`  failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  return { run: { completed: samples.length, failed, seconds: elapsed, perSecond: samples.length / elapsed }, samples };
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number): number =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function roundTripsOf(client: Client, workflowId: string): Promise<RoundTrips> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const count = (type: proto.temporal.api.enums.v1.EventType): number =>
    (history.events ?? []).filter((event) => event.eventType === type).length;
  const { EventType } = proto.temporal.api.enums.v1;
  return {
    activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
    // Local activities leave a marker each; so does a patch (core_patch), which is not a round trip.
    localActivities: (history.events ?? []).filter(
      (event) => event.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length,
    updates: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
    signals: count(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED),
  };
}

/** One consumer's enrollment, as the bank's page and the token requestor's page make it, timed. */
class EnrollmentDriver {
  constructor(
    private readonly stack: BenchStack,
    private readonly connection: Connection,
  ) {}

  async enrol(sequence: number): Promise<EnrollmentSample> {
    const customerId = `bench-${randomUUID()}`;
    const { token } = await this.json<{ token: string }>('POST', '/dev/customer-tokens', undefined, { customerId });
    const card = cards[sequence % cards.length]!;
    const capture = await this.json<{ captureId: string }>('POST', '/v1/card-captures', token, {
      method: 'manual',
      card,
    });

    const started = performance.now();
    const enrollment = await this.json<{ id: string }>(
      'POST',
      '/v1/enrollments',
      token,
      { cards: [{ captureId: capture.captureId, method: 'manual' }], tokenRequestorId: wallet, pushMethod: 'WEB' },
      { 'idempotency-key': randomUUID() },
    );
    const code = await this.codeSentTo(customerId);
    const codeSent = performance.now();
    const authenticated = await this.json<{ outcome: string; redirect?: { url: string } }>(
      'POST',
      `/v1/enrollments/${enrollment.id}/one-time-code`,
      token,
      { code },
    );
    const redirected = performance.now();
    if (!authenticated.redirect) throw new Error(`no redirect: ${JSON.stringify(authenticated)}`);
    await this.atTokenRequestor(authenticated.redirect.url);
    await this.closed(enrollment.id);
    const ended = performance.now();
    const view = await this.json<{ status: string }>('GET', `/v1/enrollments/${enrollment.id}`, token);
    if (view.status !== 'COMPLETED') throw new Error(`enrollment ended ${view.status}`);
    return {
      id: enrollment.id,
      codeSentMs: codeSent - started,
      redirectMs: redirected - codeSent,
      wholeMs: ended - started,
    };
  }

  /** The code, as soon as it is in the consumer's (development) inbox. */
  private async codeSentTo(customerId: string): Promise<string> {
    for (let poll = 0; poll < 3_000; poll += 1) {
      const inbox = await this.json<{ messages: { message: string }[] }>(
        'GET',
        `/dev/inbox?customer=${encodeURIComponent(customerId)}`,
      );
      const code = inbox.messages[0] && /\b(\d{6})\b/.exec(inbox.messages[0].message)?.[1];
      if (code) return code;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error('no code within 15 s');
  }

  /** The token requestor's page, then its button: tokenisation. */
  private async atTokenRequestor(redirectUrl: string): Promise<void> {
    const page = await fetch(redirectUrl);
    await page.text();
    if (page.status !== 200) throw new Error(`the token requestor's page answered ${page.status}`);
    const url = new URL(redirectUrl);
    const done = await fetch(`${this.stack.tokenRequestorsUrl}/tr/${url.pathname.split('/')[2]}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        pushAccountReceipts: url.searchParams.get('pushAccountReceipts')!,
        callbackURL: 'https://issuer.example/cards/added',
      }).toString(),
    });
    const text = await done.text();
    if (!text.includes('Added to')) throw new Error(`the token requestor did not tokenise (${done.status})`);
  }

  /** Long-polls Temporal for the workflow's close event (no polling of the API). */
  private async closed(workflowId: string): Promise<void> {
    for (;;) {
      const response = await this.connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        waitNewEvent: true,
        historyEventFilterType:
          proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      });
      if ((response.history?.events?.length ?? 0) > 0) return;
    }
  }

  private async json<T>(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const response = await fetch(`${this.stack.apiUrl}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
