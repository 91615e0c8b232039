/**
 * One network's callback routes, in a scope of their own, the same machinery for every network: only its
 * media type is parsed, as the exact text received (signatures cover those bytes: nothing is trimmed or
 * re-encoded); the call is verified and opened by the network's descriptor, its message parsed by the
 * network's schema; refusals, unknown operations and errors are answered in the network's envelope; the
 * metric labels come from closed sets.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  callbackOperations,
  notJson,
  type AuthorizationAsked,
  type IssuerDecision,
  type NetworkCallbacks,
  type ReceivedCall,
  type ReportedToken,
} from '../activities/networks/callback-descriptor.js';
import { CryptoFailure } from '../domain/crypto-failure.js';
import { maskCardNumbersIn } from '../domain/caller-text.js';
import type { CardNetwork } from '../domain/enrollment.js';
import type { ApiMetrics } from './metrics.js';
import { dependencyUnavailable } from './problem.js';
import type { FailedAuthenticationGuard } from './rate-limits.js';

/** What the issuer does with a verified call, whichever network made it. */
export interface CallbackHandlers {
  /** Opens the call (`notJson` if its verified message is not JSON); throws a CryptoFailure when it is not the network's. */
  open(callbacks: NetworkCallbacks, call: ReceivedCall): Promise<unknown>;
  decide(network: CardNetwork, asked: AuthorizationAsked): Promise<IssuerDecision>;
  deliver(network: CardNetwork, token: ReportedToken): Promise<void>;
}

/** A refusal before the message is read: the status, and words that echo nothing of the call. */
const callRefusals: Record<number, string> = {
  400: 'The body cannot be read: it must be UTF-8 text',
  401: 'The call is not signed by the network',
  404: 'No such issuer service',
  413: 'The body is too large',
  415: 'The body is not of the media type this network sends',
  429: 'Too many calls; retry later',
  503: 'The issuer cannot reach a dependency for now; retry shortly',
  500: 'The issuer failed to handle the call',
};

const notJsonError = new z.ZodError([{ code: 'custom', path: [], message: 'is not JSON', input: undefined }]);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function registerCallbackRoutes(
  app: FastifyInstance,
  network: CardNetwork,
  callbacks: NetworkCallbacks,
  handlers: CallbackHandlers,
  failedAuthentication: FailedAuthenticationGuard,
  metrics: ApiMetrics | undefined,
): Promise<void> {
  const refuseCall = (reply: FastifyReply, status: number, details?: string): FastifyReply =>
    reply.code(status).send(callbacks.refusedCall(status, callRefusals[status] ?? callRefusals[500]!, details));
  /**
   * A call refused before it could be shown to be the network's (a bad signature, media type, body or
   * size, an unknown operation) counts against its address; an address over its budget hears only when
   * to try again.
   */
  const refuseUnverified = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    details?: string,
  ): Promise<FastifyReply> => {
    const blocked = await failedAuthentication.recordFailure(request);
    if (blocked !== undefined) return refuseCall(reply.header('retry-after', String(blocked)), 429);
    return refuseCall(reply, status, details);
  };

  /** The verified message parsed by the operation's schema, or the 400 in the network's envelope. */
  const parsedMessage = async <Parsed>(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: string,
    schema: z.ZodType<Parsed>,
  ): Promise<{ parsed: Parsed } | { refused: FastifyReply }> => {
    let message: unknown;
    try {
      message = await handlers.open(callbacks, {
        url: `${request.protocol}://${request.headers.host ?? ''}${request.url}`,
        authorization: request.headers.authorization,
        body: typeof request.body === 'string' ? request.body : '',
      });
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      request.log.warn({ code: error.code, network, operation }, 'network callback refused');
      return {
        refused: await refuseUnverified(request, reply, 401, `${error.code}: ${maskCardNumbersIn(error.message)}`),
      };
    }
    const result = message === notJson ? { success: false as const, error: notJsonError } : schema.safeParse(message);
    if (!result.success) {
      request.log.warn({ network, operation }, 'network callback malformed');
      return { refused: reply.code(400).send(callbacks.refusedMessage(result.error)) };
    }
    return { parsed: result.data };
  };

  await app.register(
    (scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(callbacks.mediaType, { parseAs: 'buffer' }, (request, body, parsed) => {
        const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1];
        try {
          if (charset !== undefined && charset.toLowerCase() !== 'utf-8') throw new TypeError('not UTF-8');
          parsed(null, strictUtf8.decode(body as Buffer));
        } catch {
          parsed(Object.assign(new Error(callRefusals[400]), { statusCode: 400 }));
        }
      });
      scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
        if (dependencyUnavailable(error)) {
          request.log.warn({ err: error }, 'a dependency is unavailable');
          return refuseCall(reply.header('retry-after', '1'), 503);
        }
        const status =
          error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
        if (status === 500) {
          request.log.error({ err: error }, 'unhandled error in a network callback');
          return refuseCall(reply, status);
        }
        // Every other error comes before the call is verified (its media type, body, size).
        return refuseUnverified(request, reply, status);
      });
      // Unknown paths are rate limited like the API's own (the not-found handler is reached by no route hook).
      scope.setNotFoundHandler({ preHandler: scope.rateLimit() }, (request, reply) =>
        refuseUnverified(request, reply, 404),
      );
      scope.addHook('onResponse', async (request, reply) => {
        const route = request.routeOptions.url;
        metrics?.networkCallbacks.inc({
          network,
          operation: callbackOperations.find((operation) => route === `${callbacks.prefix}/${operation}`) ?? 'other',
          outcome: reply.statusCode < 300 ? 'accepted' : `refused_${reply.statusCode}`,
        });
      });

      const options = (operation: (typeof callbackOperations)[number], response: z.ZodType) => ({
        // Not limited per address: a network calls from a few addresses at its own volume. A caller that
        // fails verification is, through its failed-authentication budget.
        config: { rateLimit: false },
        schema: {
          summary: `${callbacks.name} calls the issuer: ${operation}`,
          tags: ['networks'],
          // Every refusal and failure is answered in the network's own error envelope.
          response: { 200: response, '4xx': callbacks.errorSchema, '5xx': callbacks.errorSchema },
        },
      });
      const { authorizeService, notifyTokenUpdated } = callbacks;
      scope.post(
        '/authorizeService',
        options('authorizeService', authorizeService.response),
        async (request, reply) => {
          const message = await parsedMessage(request, reply, 'authorizeService', authorizeService.request);
          if ('refused' in message) return message.refused;
          return authorizeService.answer(await handlers.decide(network, message.parsed));
        },
      );
      scope.post(
        '/notifyTokenUpdated',
        options('notifyTokenUpdated', notifyTokenUpdated.response),
        async (request, reply) => {
          const message = await parsedMessage(request, reply, 'notifyTokenUpdated', notifyTokenUpdated.request);
          if ('refused' in message) return message.refused;
          for (const token of message.parsed) await handlers.deliver(network, token);
          return notifyTokenUpdated.answer();
        },
      );
      done();
    },
    { prefix: callbacks.prefix },
  );
}
