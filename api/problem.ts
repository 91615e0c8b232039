/** RFC 9457 problem details: every 4xx and 5xx of the API and the codec server has this shape. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { maskCardNumbersIn, maskedUrl } from '../domain/caller-text.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

/** The problem as routes declare it in their response schemas (and so in the OpenAPI document). */
export const ProblemDetails = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
  })
  .meta({ description: 'RFC 9457 problem details; card numbers in its texts are masked' });

export const problemMediaType = 'application/problem+json' as const;

export type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503;

/** A problem's response schema: what the OpenAPI document shows, and what serializes the body. */
export interface ProblemResponse {
  description: string;
  content: { [problemMediaType]: { schema: typeof ProblemDetails } };
}

/** What each status means for a caller of this API, as the OpenAPI document describes it. */
const problemDescriptions: Record<ProblemStatus, string> = {
  400: 'Malformed request (a field, a path parameter, a query, a header, or a card security code sent)',
  401: 'Not authenticated (WWW-Authenticate says why)',
  403: 'Authenticated, but what vouches for this request was refused (an app session assertion)',
  404: 'No such resource of the caller (an id of another customer is one too)',
  409: 'Not now: the resource is not in a state that takes this request',
  410: 'Gone: the resource ended long ago and its record is no longer kept',
  413: 'Body too large',
  415: 'Unsupported media type',
  422: 'Understood but refused (a card number in a text field, a card refused, a key reused)',
  429: 'Too many requests (Retry-After says when to try again)',
  500: 'Internal error',
  503: 'A dependency is unavailable for now (Retry-After says when to try again)',
};

/** The response schemas of these statuses, each a problem sent as application/problem+json. */
export function problemResponses<S extends ProblemStatus>(...statuses: S[]): Record<S, ProblemResponse> {
  const responses = {} as Record<S, ProblemResponse>;
  for (const status of statuses) {
    responses[status] = {
      description: problemDescriptions[status],
      content: { [problemMediaType]: { schema: ProblemDetails } },
    };
  }
  return responses;
}

/** Answers with a problem: the one way the API's routes, hooks and handlers refuse. */
export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
  headers: Record<string, string> = {},
  type?: string,
): FastifyReply {
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  return reply
    .code(status)
    .type(problemMediaType)
    .send(problem(status, title, detail, type));
}

/**
 * A problem; its texts may quote what the caller sent, so a card number in them is masked. Its type is
 * `about:blank` (the status says it all) unless the API describes this kind of problem at `/problems/...`.
 */
export function problem(status: number, title: string, detail?: string, type = 'about:blank'): Problem {
  return {
    type,
    title: maskCardNumbersIn(title),
    status,
    ...(detail && { detail: maskCardNumbersIn(detail) }),
  };
}

const unavailableGrpcCodes = new Set([4, 14]); // DEADLINE_EXCEEDED, UNAVAILABLE
const unavailableSystemCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03']);

/**
 * Whether an error says that a dependency (Temporal, PostgreSQL) cannot be reached for now, rather than
 * that something is wrong: the caller gets a 503 with Retry-After, not a 500. Looks through causes.
 */
export function dependencyUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'number' && unavailableGrpcCodes.has(code)) return true;
    if (typeof code === 'string' && unavailableSystemCodes.has(code)) return true;
    current = cause;
  }
  return false;
}

/** The answer to a path no route serves: a problem quoting the path, decoded and masked. */
export function answerNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendProblem(
    reply,
    404,
    'Not Found',
    `No route for ${request.method} ${maskedUrl(request.url.split('?')[0] ?? '')}`,
  );
}

/**
 * For a small server of ours (the codec server): unknown routes and errors as problems, never Fastify's
 * defaults, which quote the URL or the media type the caller sent.
 */
export function answerWithProblems(app: FastifyInstance): void {
  app.setNotFoundHandler(answerNotFound);
  app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return sendProblem(reply, status, status === 500 ? 'Internal Server Error' : error.message);
  });
}

/**
 * Fastify's `frameworkErrors`: a URL that is not valid percent-encoding, or a path segment over the
 * router's limit, refused before any hook runs. Fastify's own answer quotes the path; this one quotes
 * nothing, and carries the request id the hooks would have set.
 */
export function answerRouterRefusal(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  request.log.info({ req: request, res: { statusCode: status } }, 'request refused by the router');
  void sendProblem(
    reply,
    status,
    tooLong ? 'URI Too Long' : 'Bad Request',
    tooLong ? 'A path segment is longer than the router takes' : 'The URL is not valid percent-encoding',
    { 'x-request-id': request.id, 'x-content-type-options': 'nosniff' },
  );
}
