/**
 * The networks' calls to the issuer during tokenisation, for both networks: `authorizeService` (the issuer
 * decides from the enrollment's state: an unexpired receipt of an open enrollment for that token
 * requestor is approved) and `notifyTokenUpdated` (the token's state goes to the waiting enrollment, or
 * straight to the inventory once the enrollment is over). Every call is verified (signature, freshness,
 * replay) over the exact bytes received, then its message is parsed by the network's own schema; every
 * refusal is a 4xx in the network's own envelope and names nothing the caller sent.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { z } from 'zod';
import type { NetworkCredentials } from '../activities/keys/network-credentials.js';
import {
  openVtsNotification,
  verifyMdesCallback,
  type ClaimSingleUse,
} from '../activities/networks/issuer-callbacks.js';
import {
  MdesAuthorizeServiceRequest,
  MdesAuthorizeServiceResponse,
  MdesErrorResponse,
  MdesGatewayErrorResponse,
  mdesGatewayError,
  mdesInputErrors,
  MdesNotifyTokenUpdatedRequest,
  MdesNotifyTokenUpdatedResponse,
} from '../activities/networks/mdes/schemas.js';
import {
  VisaErrorResponse,
  visaError,
  VtsAuthorizeServiceRequest,
  VtsAuthorizeServiceResponse,
  VtsNotifyTokenUpdatedRequest,
  VtsNotifyTokenUpdatedResponse,
} from '../activities/networks/vts/schemas.js';
import { CryptoFailure } from '../domain/crypto-failure.js';
import { maskCardNumbersIn } from '../domain/caller-text.js';
import type { CardNetwork, TokenStatus, TokenUpdate } from '../domain/enrollment.js';
import { enrollmentViewQuery, tokenUpdatedSignal } from '../domain/messages.js';
import { findPushReceipt, type PushReceipt } from '../db/push-receipts.js';
import { singleUseClaimer } from '../db/replay-guard.js';
import { recordTokenStatus } from '../db/token-inventory.js';
import type { ApiMetrics } from './metrics.js';
import { dependencyUnavailable } from './problem.js';
import type { FailedAuthenticationGuard } from './rate-limits.js';

export interface NetworkCallbackDeps {
  credentials: NetworkCredentials;
  pool: Pool;
  temporal: Client;
}

type Decision = { decision: 'APPROVED' | 'DECLINED'; reason?: string };

const callbackOperations = ['authorizeService', 'notifyTokenUpdated'] as const;
type CallbackOperation = (typeof callbackOperations)[number];

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

/** What the callback routes need to know of one network; the routes themselves are the same for both. */
interface CallbackNetwork<Messages extends Record<CallbackOperation, unknown>> {
  network: CardNetwork;
  /** How the network is named in the OpenAPI document. */
  name: string;
  prefix: string;
  mediaType: 'application/json' | 'application/jose';
  /** The network's envelope for a call refused before its message is read; `details` says why. */
  refusedCall(status: number, description: string, details?: string): object;
  /** The network's envelope (400) for a verified message that does not match its operation's schema. */
  refusedMessage(error: z.ZodError): object;
  errorSchema: z.ZodType;
  /** The verified message, as JSON (`notJson` if it is not); throws a CryptoFailure when the call is not the network's. */
  open(request: FastifyRequest, body: string): Promise<unknown>;
  operations: {
    [Operation in CallbackOperation]: {
      request: z.ZodType<Messages[Operation]>;
      response: z.ZodType;
      answer: (message: Messages[Operation]) => Promise<object>;
    };
  };
}

export async function registerNetworkCallbacks(
  app: FastifyInstance,
  deps: NetworkCallbackDeps,
  failedAuthentication: FailedAuthenticationGuard,
  metrics?: ApiMetrics,
): Promise<void> {
  const claim: ClaimSingleUse = singleUseClaimer(deps.pool, 'network-callback');

  const mdes: CallbackNetwork<{
    authorizeService: MdesAuthorizeServiceRequest;
    notifyTokenUpdated: MdesNotifyTokenUpdatedRequest;
  }> = {
    network: 'MASTERCARD',
    name: 'MDES',
    prefix: '/networks/mdes/issuerServices/1/0',
    mediaType: 'application/json',
    refusedCall: (status, description, details) =>
      mdesGatewayError(status, mdesGatewayReasons[status] ?? 'ERROR', description, details),
    refusedMessage: (error) => ({ responseId: randomUUID(), errors: mdesInputErrors(error) }),
    errorSchema: z.union([MdesGatewayErrorResponse, MdesErrorResponse]),
    async open(request, body) {
      await verifyMdesCallback(
        {
          method: 'POST',
          url: `${request.protocol}://${request.headers.host ?? ''}${request.url}`,
          body,
          authorization: request.headers.authorization,
        },
        deps.credentials,
        claim,
      );
      try {
        return JSON.parse(body) as unknown;
      } catch {
        return notJson;
      }
    },
    // An answer's responseId is the issuer's own id for it (as MDES's answers carry MDES's), never an echo.
    operations: {
      authorizeService: {
        request: MdesAuthorizeServiceRequest,
        response: MdesAuthorizeServiceResponse,
        async answer(message) {
          const { decision, reason } = await decide('MASTERCARD', message.pushAccountReceipt, message.tokenRequestorId);
          return { responseId: randomUUID(), decision, ...(reason && { decisionReason: reason }) };
        },
      },
      notifyTokenUpdated: {
        request: MdesNotifyTokenUpdatedRequest,
        response: MdesNotifyTokenUpdatedResponse,
        async answer(message) {
          for (const token of message.tokens) {
            if (!token.pushAccountReceipt) continue;
            await deliver({
              network: 'MASTERCARD',
              receipt: token.pushAccountReceipt,
              tokenUniqueReference: token.tokenUniqueReference,
              status: token.status,
              statusTimestamp: token.statusTimestamp,
            });
          }
          return { responseId: randomUUID() };
        },
      },
    },
  };

  const vts: CallbackNetwork<{
    authorizeService: VtsAuthorizeServiceRequest;
    notifyTokenUpdated: VtsNotifyTokenUpdatedRequest;
  }> = {
    network: 'VISA',
    name: 'Visa',
    prefix: '/networks/vts',
    mediaType: 'application/jose',
    refusedCall: (status, description, details) =>
      visaError(status, visaReasons[status] ?? 'error', details ?? description),
    refusedMessage: (error) => {
      const issue = error.issues[0]!;
      const location = issue.path.map(String).join('.') || 'payload';
      return visaError(400, 'invalidParameter', `${location}: ${issue.message}`, location);
    },
    errorSchema: VisaErrorResponse,
    open: (_request, body) => openVtsNotification(body, deps.credentials, claim),
    operations: {
      authorizeService: {
        request: VtsAuthorizeServiceRequest,
        response: VtsAuthorizeServiceResponse,
        async answer(message) {
          const { decision, reason } = await decide('VISA', message.pushReceipt, message.tokenRequestorID);
          return { decision, ...(reason && { decisionReason: reason }) };
        },
      },
      notifyTokenUpdated: {
        request: VtsNotifyTokenUpdatedRequest,
        response: VtsNotifyTokenUpdatedResponse,
        async answer(message) {
          if (message.pushReceipt) {
            await deliver({
              network: 'VISA',
              receipt: message.pushReceipt,
              ...(message.vProvisionedTokenID && { tokenUniqueReference: message.vProvisionedTokenID }),
              status: message.tokenStatus,
              statusTimestamp: message.statusTimestamp,
            });
          }
          return {};
        },
      },
    },
  };

  await registerCallbackRoutes(app, mdes, failedAuthentication, metrics);
  await registerCallbackRoutes(app, vts, failedAuthentication, metrics);

  async function receipt(network: CardNetwork, value: string | undefined): Promise<PushReceipt | undefined> {
    return value === undefined ? undefined : findPushReceipt(deps.pool, network, value);
  }

  async function decide(
    network: CardNetwork,
    pushReceipt: string | undefined,
    tokenRequestorId: string,
  ): Promise<Decision> {
    const found = await receipt(network, pushReceipt);
    if (!found) return { decision: 'DECLINED', reason: 'UNKNOWN_RECEIPT' };
    if (found.tokenRequestorId !== tokenRequestorId) return { decision: 'DECLINED', reason: 'WRONG_TOKEN_REQUESTOR' };
    if (found.expiresAt.getTime() <= Date.now()) return { decision: 'DECLINED', reason: 'RECEIPT_EXPIRED' };
    try {
      const view = await deps.temporal.workflow.getHandle(found.enrollmentId).query(enrollmentViewQuery);
      const card = view.cards.find((candidate) => candidate.receipt === pushReceipt);
      if (view.status !== 'AWAITING_TOKEN_REQUESTOR' || card?.state !== 'PUSHED') {
        return { decision: 'DECLINED', reason: `ENROLLMENT_${view.status}` };
      }
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { decision: 'DECLINED', reason: 'ENROLLMENT_NOT_FOUND' };
      throw error;
    }
    return { decision: 'APPROVED' };
  }

  /** To the enrollment while it is open; straight to the inventory once it has ended. */
  async function deliver(update: TokenUpdate & { status: TokenStatus }): Promise<void> {
    const found = await receipt(update.network, update.receipt);
    if (!found) return;
    try {
      await deps.temporal.workflow.getHandle(found.enrollmentId).signal(tokenUpdatedSignal, update);
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // The enrollment has ended: the token goes into the inventory directly (a late ACTIVE, a later
    // suspension), its card and customer known from the receipt; an older status never wins. A token the
    // network did not name cannot be kept there.
    if (update.tokenUniqueReference === undefined) return;
    await recordTokenStatus(deps.pool, {
      network: update.network,
      tokenUniqueReference: update.tokenUniqueReference,
      customerId: found.customerId,
      cardRef: found.cardRef,
      tokenRequestorId: found.tokenRequestorId,
      enrollmentId: found.enrollmentId,
      status: update.status,
      statusTimestamp: update.statusTimestamp,
    });
  }
}

const mdesGatewayReasons: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'AUTHENTICATION_FAILED',
  404: 'NOT_FOUND',
  413: 'REQUEST_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

const visaReasons: Record<number, string> = {
  400: 'invalidParameter',
  401: 'unauthorized',
  404: 'notFound',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'rateLimitExceeded',
  503: 'serviceUnavailable',
};

/** What `open` gives for a verified body that is not JSON: refused like any other malformed message. */
const notJson = Symbol('not JSON');
const notJsonError = new z.ZodError([{ code: 'custom', path: [], message: 'is not JSON', input: undefined }]);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One network's routes, in a scope of their own: only its media type is parsed, as the exact text received
 * (signatures cover those bytes: nothing is trimmed or re-encoded); its refusals, unknown operations and
 * errors are answered in its envelope; its metric labels come from closed sets.
 */
async function registerCallbackRoutes<Messages extends Record<CallbackOperation, unknown>>(
  app: FastifyInstance,
  network: CallbackNetwork<Messages>,
  failedAuthentication: FailedAuthenticationGuard,
  metrics: ApiMetrics | undefined,
): Promise<void> {
  const refuseCall = (reply: FastifyReply, status: number, details?: string): FastifyReply =>
    reply.code(status).send(network.refusedCall(status, callRefusals[status] ?? callRefusals[500]!, details));
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

  await app.register(
    (scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(network.mediaType, { parseAs: 'buffer' }, (request, body, parsed) => {
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
          network: network.network,
          operation: callbackOperations.find((operation) => route === `${network.prefix}/${operation}`) ?? 'other',
          outcome: reply.statusCode < 300 ? 'accepted' : `refused_${reply.statusCode}`,
        });
      });

      for (const operation of callbackOperations) {
        const { request: messageSchema, response, answer } = network.operations[operation];
        scope.post(
          `/${operation}`,
          {
            // Not limited per address: a network calls from a few addresses at its own volume. A caller that
            // fails verification is, through its failed-authentication budget.
            config: { rateLimit: false },
            schema: {
              summary: `${network.name} calls the issuer: ${operation}`,
              tags: ['networks'],
              response: { 200: response, '4xx': network.errorSchema },
            },
          },
          async (request, reply) => {
            let message: unknown;
            try {
              message = await network.open(request, typeof request.body === 'string' ? request.body : '');
            } catch (error) {
              if (!(error instanceof CryptoFailure)) throw error;
              request.log.warn({ code: error.code, network: network.network, operation }, 'network callback refused');
              return refuseUnverified(request, reply, 401, `${error.code}: ${maskCardNumbersIn(error.message)}`);
            }
            const parsed =
              message === notJson ? { success: false as const, error: notJsonError } : messageSchema.safeParse(message);
            if (!parsed.success) {
              request.log.warn({ network: network.network, operation }, 'network callback malformed');
              return reply.code(400).send(network.refusedMessage(parsed.error));
            }
            return answer(parsed.data);
          },
        );
      }
      done();
    },
    { prefix: network.prefix },
  );
}
