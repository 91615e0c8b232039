/**
 * What the consumer routes share: their dependencies, the Zod-typed scope they are registered in, the
 * bearer authentication every /v1 call passes first, the path and query parameters several resources
 * take, and the problems every route may answer.
 */
import type { Client } from '@temporalio/client';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import type { CardVault } from '../../activities/vault/card-vault.js';
import type { WalletCredentials } from '../../activities/keys/wallet-credentials.js';
import type { WalletRegistry } from '../../activities/wallets/registry.js';
import { cardNetworks, pushMethods } from '../../domain/enrollment.js';
import { CallerNotAuthenticated, type CallerAuthenticator } from '../caller-auth.js';
import type { ApiMetrics } from '../metrics.js';
import { problemResponses, sendProblem } from '../problem.js';
import type { FailedAuthenticationGuard } from '../rate-limits.js';

export interface ConsumerApiDeps {
  auth: CallerAuthenticator;
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  vault: CardVault;
  tokenRequestors: TokenRequestorCache;
  /** What the wallets handed the issuer (roots of trust, token requestor ids); none offered when absent. */
  wallets: WalletCredentials;
  /** The wallets this engine provisions (activities/wallets/registry.ts). */
  walletAdapters: WalletRegistry;
  /** Demos only: enrollments started here expire their receipts after this many seconds. */
  receiptTimerSecondsForDemo?: number;
  /** The Temporal Web UI's page for a workflow, for operators: `${base}/<workflow id>`. */
  workflowUiBase?: string;
}

/** What a resource's routes are registered with: the /v1 scope, typed by its Zod schemas. */
export interface ConsumerRouteContext {
  api: FastifyInstance<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    FastifyBaseLogger,
    ZodTypeProvider
  >;
  deps: ConsumerApiDeps;
  metrics?: ApiMetrics;
}

export const uuid = z.uuid({ message: 'must be an id as this API returned it' });
export const pushMethod = z.enum(pushMethods);
export const cardNetwork = z.enum(cardNetworks);

/**
 * The problems any /v1 route may answer: a malformed request (or a card security code sent), no valid
 * bearer token, too many requests, an internal error, a dependency down.
 */
export const consumerProblems = problemResponses(400, 401, 429, 500, 503);

/** The problems of a route that reads a body, besides the ones above: too large, or not JSON. */
export const bodyProblems = problemResponses(413, 415);

/**
 * Authenticates every call of the scope as a customer. A caller that fails gets 401, saying why; an
 * address that keeps failing hears only when to try again (429).
 */
export function authenticateCustomers(
  scope: FastifyInstance,
  auth: CallerAuthenticator,
  failedAuthentication: FailedAuthenticationGuard,
): void {
  scope.addHook('onRequest', async (request, reply) => {
    try {
      request.customerId = await auth.customerOf(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof CallerNotAuthenticated)) throw error;
      const blocked = await failedAuthentication.recordFailure(request);
      if (blocked !== undefined) {
        return sendProblem(
          reply,
          429,
          'Too Many Requests',
          `Too many failed authentications from this address; retry after ${blocked} s`,
          { 'retry-after': String(blocked) },
        );
      }
      return sendProblem(reply, 401, 'Not authenticated', error.message, {
        'www-authenticate': `Bearer error="invalid_token", error_description="${error.message.replaceAll('"', "'")}"`,
      });
    }
  });
}

/** The 404 of an id that is not the caller's, exactly as for one that does not exist. */
export function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return sendProblem(reply, 404, 'Not Found', `No ${what} ${id}`);
}
