/**
 * What every sandbox server shares: the exact request body kept for signature checks, the fault knobs
 * applied to the network's own API (latency, 5xx, 429 with Retry-After, calls never answered), the
 * admin endpoints (`/sandbox/knobs`, `/sandbox/ledger`) and errors in the network's own envelope.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { maskCardNumbers, maskCardNumbersIn, maskedUrl } from '../../domain/caller-text.js';
import { mergeKnobs, KnobsSchema, type FaultKind, type Knobs } from '../knobs.js';
import type { SandboxKeys } from '../keys.js';
import type { TokenRequestorCredentials } from '../token-requestors/credentials.js';
import type { Ledger } from './ledger.js';
import { registerHttpServerSpans } from '../../observability/http-server-spans.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: what request signatures cover. */
    rawBody?: string;
  }
}

export type GatewayReason = 'SERVICE_UNAVAILABLE' | 'RATE_LIMITED' | 'BAD_REQUEST' | 'NOT_FOUND' | 'UNAUTHORIZED';

export interface SandboxAppOptions {
  ledger: Ledger;
  knobs: { current: Knobs };
  /** The network's envelope for errors raised before its business logic (gateway, transport). */
  gatewayError: (status: number, reason: GatewayReason, description: string) => unknown;
  bodyLimit?: number;
}

/** What a network sandbox (MDES, VTS) is built from. */
export interface NetworkSandboxOptions {
  keys: SandboxKeys;
  /** The token requestors' credentials with this network, by token requestor id. */
  tokenRequestorCredentials: ReadonlyMap<string, TokenRequestorCredentials>;
  ledger: Ledger;
  knobs: { current: Knobs };
  tokenRequestorsBaseUrl: () => string;
  issuerJwksUrl: () => string;
  /** Where the network calls the issuer (authorizeService, notifyTokenUpdated) hang from. */
  issuerCallbackBaseUrl: () => string;
}

export interface SandboxApp {
  app: FastifyInstance;
  /** Draws the fault (if any) for one call of the network's API; exposed for the tests of the knobs. */
  drawFault(path: string): FaultKind | undefined;
}

const knobsLifetime = 'in memory until the sandbox restarts, then SANDBOX_KNOBS again';

export function createSandboxApp(options: SandboxAppOptions): SandboxApp {
  const { ledger, knobs, gatewayError } = options;
  // Fastify's own answers to a URL its router cannot take (an escape that does not decode, a path parameter
  // over its length limit) quote the path, and come before every hook: these say what is wrong, not what was sent.
  const answerRouterError = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
    const [status, reason, description]: [number, GatewayReason, string] =
      error.code === 'FST_ERR_BAD_URL'
        ? [400, 'BAD_REQUEST', 'The URL holds an escape that does not decode']
        : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? [414, 'BAD_REQUEST', 'A path segment is too long']
          : [500, 'SERVICE_UNAVAILABLE', 'Internal error'];
    void reply.code(status).send(gatewayError(status, reason, description));
  };
  const app = Fastify({
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    // A call held by a "timeout" fault must not keep the server from closing.
    forceCloseConnections: true,
    frameworkErrors: answerRouterError,
  });
  // With tracing installed in the process, a network continues the engine's trace, as a real one might.
  registerHttpServerSpans(app, { continueCallersTrace: true });

  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(Object.assign(new Error('The body is not valid JSON'), { statusCode: 400 }));
    }
  });

  // HTML forms (the token requestors' pages) post URL-encoded fields.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => {
    request.rawBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const drawFault = (path: string): FaultKind | undefined => {
    const { faults } = knobs.current;
    if (faults.paths && !faults.paths.some((fragment) => path.includes(fragment))) return undefined;
    const queued = faults.next.shift();
    if (queued) return queued;
    const roll = Math.random();
    if (roll < faults.serverErrorRate) return '5xx';
    if (roll < faults.serverErrorRate + faults.rateLimitRate) return '429';
    if (roll < faults.serverErrorRate + faults.rateLimitRate + faults.timeoutRate) return 'timeout';
    return undefined;
  };

  // The latency delays the answer, not the handling: like a real network, the sandbox finishes what it
  // received even when the caller has gone (timed out, or killed), and the caller's retry meets its records.
  app.addHook('onSend', async (request) => {
    const { latencyMs } = knobs.current;
    if (latencyMs > 0 && !request.url.startsWith('/sandbox/')) await sleep(latencyMs);
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith('/sandbox/')) return;
    const { faults } = knobs.current;
    const path = request.url.split('?')[0]!;
    const fault = drawFault(path);
    if (!fault) return;
    ledger.append('fault', { fault, path });
    if (fault === '5xx') {
      return reply.code(503).send(gatewayError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable'));
    }
    if (fault === '429') {
      return reply
        .code(429)
        .header('retry-after', String(faults.retryAfterSeconds))
        .send(gatewayError(429, 'RATE_LIMITED', `Too many requests; retry after ${faults.retryAfterSeconds} s`));
    }
    holdWithoutAnswer(request, reply, faults.timeoutHoldMs);
  });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'sandbox error');
    return reply
      .code(status)
      .send(
        gatewayError(
          status,
          status === 500 ? 'SERVICE_UNAVAILABLE' : 'BAD_REQUEST',
          status === 500 ? 'Internal error' : maskCardNumbersIn(error.message),
        ),
      );
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .send(
        gatewayError(404, 'NOT_FOUND', `No resource ${request.method} ${maskedUrl(request.url.split('?')[0] ?? '')}`),
      ),
  );

  // Knobs live in memory: a restart goes back to SANDBOX_KNOBS (the ledger, the network's memory, stays).
  // They are shown with card numbers masked: a decline set for one card is still a card number.
  const showKnobs = (reply: FastifyReply): unknown =>
    reply.header('sandbox-knobs', knobsLifetime).send(maskCardNumbers(knobs.current));
  app.get('/sandbox/knobs', (_request, reply) => showKnobs(reply));
  app.put('/sandbox/knobs', (request, reply) => {
    const parsed = KnobsSchema.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send(knobsProblem(parsed.error.issues));
    knobs.current = parsed.data;
    return showKnobs(reply);
  });
  app.patch('/sandbox/knobs', (request, reply) => {
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      return reply.code(400).send(knobsProblem([{ path: [], message: 'expected a JSON object' }]));
    }
    const parsed = mergeKnobs(knobs.current, request.body as Record<string, unknown>);
    if (!parsed.success) return reply.code(400).send(knobsProblem(parsed.error.issues));
    knobs.current = parsed.data;
    return showKnobs(reply);
  });
  app.get('/sandbox/ledger', (request) => {
    const filter = Object.fromEntries(
      Object.entries(request.query as Record<string, unknown>).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      ),
    );
    return { entries: ledger.find(filter) };
  });

  return { app, drawFault };
}

function knobsProblem(issues: readonly { path: readonly PropertyKey[]; message: string }[]): object {
  return {
    type: 'about:blank',
    title: 'Invalid knobs',
    status: 400,
    detail: maskCardNumbersIn(
      issues.map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`).join('; '),
    ),
  };
}

function holdWithoutAnswer(request: FastifyRequest, reply: FastifyReply, holdMs: number): void {
  reply.hijack();
  const timer = setTimeout(() => request.raw.socket.destroy(), holdMs);
  request.raw.socket.once('close', () => clearTimeout(timer));
}
