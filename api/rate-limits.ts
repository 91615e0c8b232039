/**
 * Rate limits (@fastify/rate-limit, in memory per process): an authenticated customer gets its own budget
 * per minute; everyone else is counted by address, and an address whose calls keep failing
 * authentication (bearer tokens, the networks' signatures) gets 429 for its failed attempts. A caller
 * that does authenticate is served whatever its address did: an attacker behind the same NAT does not
 * lock customers out. The limits run after the onRequest hooks (where callers are authenticated) and
 * before the body is read.
 */
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';

export interface RateLimitOptions {
  /** Requests per minute per authenticated customer, and per address for unauthenticated routes. */
  perMinute: number;
  /** Failed authentications per minute per address before its failed attempts get 429 rather than 401. */
  failedAuthenticationsPerMinute: number;
}

/** The guard that counts an address's failed authentications, for each route to answer in its own envelope. */
export interface FailedAuthenticationGuard {
  /**
   * Counts one failed authentication of the request's address; when that puts it over its budget, the
   * seconds until it may try again (the route answers 429), otherwise undefined (the route answers 401).
   */
  recordFailure(request: FastifyRequest): Promise<number | undefined>;
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
    keyGenerator: (request) =>
      request.customerId ? `customer:${request.customerId}` : `address:${addressOf(request)}`,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `Rate limit reached: ${context.max} requests per minute; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });
  const failures = app.createRateLimit({
    max: options.failedAuthenticationsPerMinute,
    timeWindow: '1 minute',
    keyGenerator: (request) => `failed-authentication:${addressOf(request)}`,
  });
  return {
    failedAuthentication: {
      async recordFailure(request) {
        const counted = await failures(request);
        return !counted.isAllowed && counted.isExceeded ? Math.max(1, counted.ttlInSeconds) : undefined;
      },
    },
    notFound: app.rateLimit(),
  };
}

/** An IPv6 caller is counted by its /64, which it holds whole: rotating within it is one address. */
function addressOf(request: FastifyRequest): string {
  return normalizeIP(request.ip, 64);
}
