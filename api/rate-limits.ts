/**
 * Rate limits (@fastify/rate-limit, in memory per process): an authenticated customer gets its own budget
 * per minute; everyone else is counted by address, and an address whose calls keep failing
 * authentication (bearer tokens, the networks' signatures) is refused before its next attempt is even
 * verified. The limits run after the onRequest hooks (where callers are authenticated) and before the
 * body is read.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { problem } from './problem.js';

export interface RateLimitOptions {
  /** Requests per minute per authenticated customer, and per address for unauthenticated routes. */
  perMinute: number;
  /** Failed authentications per minute per address before its calls are refused unverified. */
  failedAuthenticationsPerMinute: number;
}

/** The guard that counts an address's failed authentications and refuses it once it is over its budget. */
export interface FailedAuthenticationGuard {
  /** Answers 429 (and returns true) when the address has failed too often; otherwise does nothing. */
  refuseIfOverBudget(request: FastifyRequest, reply: FastifyReply): Promise<boolean>;
  /** Counts one failed authentication of the request's address. */
  recordFailure(request: FastifyRequest): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the caller is authenticated as a customer (the /v1 routes): its own rate limit budget. */
    customerId: string;
  }
}

export interface RateLimits {
  failedAuthentication: FailedAuthenticationGuard;
  /** The limit for unmatched paths, as a hook of the not-found handler (which no route hook reaches). */
  notFound: preHandlerAsyncHookHandler;
}

/** Registers the limits on the app; routes registered afterwards are limited (`config.rateLimit: false` opts out). */
export async function registerRateLimits(app: FastifyInstance, options: RateLimitOptions): Promise<RateLimits> {
  await app.register(rateLimit, {
    max: options.perMinute,
    timeWindow: '1 minute',
    hook: 'preParsing',
    keyGenerator: (request) => (request.customerId ? `customer:${request.customerId}` : `address:${request.ip}`),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `Rate limit reached: ${context.max} requests per minute; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  const failures = app.createRateLimit({
    max: options.failedAuthenticationsPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => `failed-authentication:${request.ip}`,
  });
  return {
    failedAuthentication: {
      async refuseIfOverBudget(request, reply) {
        const seen = await failures(request, { increment: false });
        if (seen.isAllowed || seen.remaining > 0) return false;
        const retryAfter = Math.max(1, seen.ttlInSeconds);
        await reply
          .code(429)
          .header('retry-after', String(retryAfter))
          .type('application/problem+json')
          .send(
            problem(
              429,
              'Too Many Requests',
              `Too many failed authentications from this address (${seen.max} per minute); retry after ${retryAfter} s`,
            ),
          );
        return true;
      },
      async recordFailure(request) {
        await failures(request);
      },
    },
    notFound: app.rateLimit(),
  };
}
