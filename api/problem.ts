/** RFC 9457 problem details: every 4xx and 5xx of the API and the codec server has this shape. */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maskCardNumbersIn, maskedUrl } from '../domain/caller-text.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
}

/** A problem; its texts may quote what the caller sent, so a card number in them is masked. */
export function problem(status: number, title: string, detail?: string): Problem {
  return {
    type: 'about:blank',
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
  return reply
    .code(404)
    .type('application/problem+json')
    .send(problem(404, 'Not Found', `No route for ${request.method} ${maskedUrl(request.url.split('?')[0] ?? '')}`));
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
    return reply
      .code(status)
      .type('application/problem+json')
      .send(problem(status, status === 500 ? 'Internal Server Error' : error.message));
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
  void reply
    .code(status)
    .header('x-request-id', request.id)
    .header('x-content-type-options', 'nosniff')
    .type('application/problem+json')
    .send(
      problem(
        status,
        tooLong ? 'URI Too Long' : 'Bad Request',
        tooLong ? 'A path segment is longer than the router takes' : 'The URL is not valid percent-encoding',
      ),
    );
}
