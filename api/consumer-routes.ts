/**
 * The consumer-facing API, called by the issuer's app on behalf of a signed-in customer: their cards, the
 * token requestors eligible for a card, enrollments (start, follow, the one-time code, resend, a fresh
 * push, cancel) and their tokens. Every id in a path is checked to belong to the caller: another
 * customer's id is a 404, exactly like an id that does not exist.
 */
import { createHash } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { z } from 'zod';
import type {
  CachedTokenRequestor,
  TokenRequestorCache,
} from '../activities/token-requestors/token-requestor-cache.js';
import type { CardVault } from '../activities/vault/card-vault.js';
import { holdsCardNumber } from '../domain/caller-text.js';
import { cardProblem, maskPan, routeCard } from '../domain/card-number.js';
import { isEnrollmentOf, recordEnrollment } from '../db/enrollments.js';
import { tokensOf } from '../db/token-inventory.js';
import {
  enrollmentWorkflowId,
  maxCardsPerEnrollment,
  oneTimeCodePattern,
  pushMethods,
  receiptValidityMinutes,
  type EnrollmentInput,
  type EnrollmentView,
} from '../domain/enrollment.js';
import {
  cancelEnrollmentUpdate,
  confirmCapturedCardsUpdate,
  enrollmentViewQuery,
  requestFreshPushUpdate,
  resendOneTimeCodeUpdate,
  submitOneTimeCodeUpdate,
  submitSessionAssertionUpdate,
} from '../domain/messages.js';
import type { enrollmentWorkflow } from '../workflows/enrollment/workflow.js';
import type { CallerAuthenticator } from './caller-auth.js';
import { CallerNotAuthenticated } from './caller-auth.js';
import { freeText } from './free-text.js';
import { runIdempotently } from './idempotency.js';
import type { ApiMetrics } from './metrics.js';
import { problem } from './problem.js';
import type { FailedAuthenticationGuard } from './rate-limits.js';
import { answerRefusal, refusalOf } from './refusals.js';

export interface ConsumerApiDeps {
  auth: CallerAuthenticator;
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  vault: CardVault;
  tokenRequestors: TokenRequestorCache;
  /** Demos only: enrollments started here expire their receipts after this many seconds. */
  receiptTimerSecondsForDemo?: number;
  /** The Temporal Web UI's page for a workflow, for operators: `${base}/<workflow id>`. */
  workflowUiBase?: string;
}

const uuid = z.uuid({ message: 'must be an id as this API returned it' });
const enrollmentId = z.string().regex(/^enrollment-[0-9a-f]{32}$/, 'must be an enrollment id as this API returned it');
const pushMethod = z.enum(pushMethods);

const StartEnrollment = z.strictObject({
  cards: z
    .array(
      z.union([
        z.strictObject({ cardId: uuid }),
        z.strictObject({ captureId: uuid, method: z.enum(['manual', 'ocr']) }),
      ]),
    )
    .min(1)
    .max(maxCardsPerEnrollment),
  tokenRequestorId: z.string().regex(/^\d{11}$/, 'must be 11 digits'),
  pushMethod,
  authentication: z
    .union([
      z.strictObject({ method: z.literal('otp'), channel: z.enum(['sms', 'email']) }),
      z.strictObject({ method: z.literal('session-assertion') }),
    ])
    .optional(),
  callbackUrl: freeText(z.url({ protocol: /^https?$/ }).max(256)).optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}_[A-Z]{2}$/, 'must look like en_US')
    .optional(),
  receiptValidityMinutes: z.number().int().min(receiptValidityMinutes.min).max(receiptValidityMinutes.max).optional(),
});

const StageCapture = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('manual'),
    card: z.strictObject({
      number: z.string().regex(/^[0-9 ]{12,23}$/, 'must be 12 to 19 digits'),
      expiryMonth: z.number().int().min(1).max(12),
      expiryYear: z.number().int().min(2000).max(2099),
      cardholderName: freeText(z.string().trim().min(1).max(100)).optional(),
    }),
  }),
  z.strictObject({
    method: z.literal('ocr'),
    image: z.strictObject({
      mediaType: z.enum(['image/png', 'image/jpeg']),
      data: z.base64().max(7_000_000, 'must be a picture of at most 5 MB'),
    }),
  }),
]);

const idempotencyKey = z.string().min(1).max(255);
const EnrollmentParams = z.strictObject({ id: enrollmentId });

function customerFacingView(view: EnrollmentView, id: string, workflowUiBase?: string): object {
  return {
    id,
    status: view.status,
    tokenRequestorId: view.tokenRequestorId,
    pushMethod: view.pushMethod,
    cards: view.cards.map((card) => ({
      id: card.cardRef,
      maskedPan: card.maskedPan,
      network: card.network,
      captureMethod: card.captureMethod,
      state: card.state,
      ...(card.tokenUniqueReference && { tokenUniqueReference: card.tokenUniqueReference }),
      ...(card.reason && { reason: card.reason }),
    })),
    authentication: view.authentication,
    ...(view.awaitingCaptureConfirmation && { awaitingCaptureConfirmation: true }),
    ...(view.receiptsExpireAt && { receiptsExpireAt: view.receiptsExpireAt }),
    ...(view.redirect && { redirect: view.redirect }),
    freshPushUsed: view.freshPushUsed,
    ...(view.reason && { reason: view.reason }),
    timeline: view.timeline,
    links: {
      self: `/v1/enrollments/${id}`,
      ...(workflowUiBase && { workflow: `${workflowUiBase}/${encodeURIComponent(id)}` }),
    },
  };
}

export async function registerConsumerRoutes(
  app: FastifyInstance,
  deps: ConsumerApiDeps,
  failedAuthentication: FailedAuthenticationGuard,
  metrics?: ApiMetrics,
): Promise<void> {
  await app.register(
    (scope, _options, done) => {
      const api = scope.withTypeProvider<ZodTypeProvider>();

      scope.addHook('onRequest', async (request, reply) => {
        try {
          request.customerId = await deps.auth.customerOf(request.headers.authorization);
        } catch (error) {
          if (!(error instanceof CallerNotAuthenticated)) throw error;
          // An address that keeps failing hears only when to try again.
          const blocked = await failedAuthentication.recordFailure(request);
          if (blocked !== undefined) {
            return reply
              .code(429)
              .header('retry-after', String(blocked))
              .type('application/problem+json')
              .send(
                problem(
                  429,
                  'Too Many Requests',
                  `Too many failed authentications from this address; retry after ${blocked} s`,
                ),
              );
          }
          return reply
            .code(401)
            .header(
              'www-authenticate',
              `Bearer error="invalid_token", error_description="${error.message.replaceAll('"', "'")}"`,
            )
            .type('application/problem+json')
            .send(problem(401, 'Not authenticated', error.message));
        }
      });

      api.get('/cards', { schema: { summary: "The customer's cards, masked", tags: ['cards'] } }, async (request) => ({
        cards: (await deps.vault.cardsOf(request.customerId)).map((card) => ({
          id: card.cardRef,
          maskedPan: card.maskedPan,
          network: card.network,
          ...(card.domesticScheme && { domesticScheme: card.domesticScheme }),
          expiry: `${String(card.expiryMonth).padStart(2, '0')}/${String(card.expiryYear % 100).padStart(2, '0')}`,
          source: card.source,
        })),
      }));

      api.get(
        '/cards/:id/token-requestors',
        {
          schema: {
            summary: 'The wallets and merchants that take this card from this platform',
            tags: ['cards'],
            params: z.strictObject({ id: uuid }),
            querystring: z.strictObject({ pushMethod }),
          },
        },
        async (request, reply) => {
          const card = await deps.vault.cardOf(request.customerId, request.params.id);
          if (!card) return notFound(reply, 'card', request.params.id);
          let requestors: CachedTokenRequestor[];
          try {
            requestors = await deps.tokenRequestors.takingCard(card);
          } catch (error) {
            request.log.warn({ network: card.network, err: error }, 'token requestor list unavailable');
            return reply
              .code(503)
              .header('retry-after', '30')
              .type('application/problem+json')
              .send(problem(503, 'Network unavailable', 'The card network cannot list its token requestors now'));
          }
          return {
            tokenRequestors: requestors
              .filter((requestor) => requestor.pushMethods.some((method) => method.type === request.query.pushMethod))
              .map(publicRequestor),
          };
        },
      );

      api.get(
        '/token-requestors',
        {
          schema: {
            summary: "A network's wallets and shops reachable from a platform (for a card not yet in the vault)",
            tags: ['cards'],
            querystring: z.strictObject({ network: z.enum(['MASTERCARD', 'VISA']), pushMethod }),
          },
        },
        async (request) => ({
          tokenRequestors: (await deps.tokenRequestors.list(request.query.network))
            .filter((requestor) => requestor.pushMethods.some((method) => method.type === request.query.pushMethod))
            .map(publicRequestor),
        }),
      );

      api.get(
        '/token-requestor-logos/:file',
        {
          schema: {
            summary: "A token requestor's logo, as cached from the network",
            tags: ['cards'],
            params: z.strictObject({
              file: z.string().regex(/^[\w-]{1,64}\.(svg|png)$/, 'must be <asset id>.svg or .png'),
            }),
          },
        },
        async (request, reply) => {
          const [assetId, extension] = request.params.file.split('.') as [string, 'svg' | 'png'];
          const media = await deps.tokenRequestors.asset(assetId);
          const type = extension === 'svg' ? 'image/svg+xml' : 'image/png';
          const content = media?.find((item) => item.type === type);
          if (!content) return notFound(reply, 'logo', request.params.file);
          // An asset id never changes content.
          return reply
            .type(type)
            .header('cache-control', 'private, max-age=31536000, immutable')
            .send(Buffer.from(content.data, 'base64'));
        },
      );

      api.post(
        '/card-captures',
        {
          bodyLimit: 8 * 1024 * 1024,
          schema: {
            summary: 'Stage a card the consumer typed or photographed, for an enrollment to capture',
            tags: ['enrollments'],
            body: StageCapture,
          },
        },
        async (request, reply) => {
          const body = request.body;
          if (body.method === 'manual') {
            const card = {
              pan: body.card.number.replaceAll(' ', ''),
              expiryMonth: body.card.expiryMonth,
              expiryYear: body.card.expiryYear,
              ...(body.card.cardholderName && { cardholderName: body.card.cardholderName }),
            };
            const rejected = cardProblem(card);
            if (rejected)
              return reply
                .code(422)
                .type('application/problem+json')
                .send(problem(422, 'Card refused', rejected));
            const captureId = await deps.vault.stageCapture(request.customerId, { method: 'manual', card });
            return reply.code(201).send({
              captureId,
              method: 'manual',
              maskedPan: maskPan(card.pan),
              network: routeCard(card.pan)!.network,
            });
          }
          const captureId = await deps.vault.stageCapture(request.customerId, {
            method: 'ocr',
            image: { mediaType: body.image.mediaType, base64: body.image.data },
          });
          return reply.code(201).send({ captureId, method: 'ocr' });
        },
      );

      api.post(
        '/enrollments',
        {
          schema: {
            summary: 'Start an enrollment: push these cards to this token requestor',
            tags: ['enrollments'],
            headers: z.object({ 'idempotency-key': idempotencyKey }),
            body: StartEnrollment,
          },
        },
        async (request, reply) => {
          const key = request.headers['idempotency-key'];
          // Cards that are not the caller's are refused before anything is written or started.
          for (const card of request.body.cards) {
            const found =
              'cardId' in card
                ? await deps.vault.cardOf(request.customerId, card.cardId)
                : await deps.vault.stagedCapture(request.customerId, card.captureId);
            if (!found)
              return notFound(
                reply,
                'cardId' in card ? 'card' : 'card capture',
                'cardId' in card ? card.cardId : card.captureId,
              );
          }
          const outcome = await runIdempotently(
            deps.pool,
            { customerId: request.customerId, key, body: request.body },
            () => startEnrollment(request.customerId, key, request.body),
          );
          if (outcome.kind === 'mismatch') {
            return reply
              .code(422)
              .type('application/problem+json')
              .send(problem(422, 'Idempotency key reused', 'This Idempotency-Key was used with another request body'));
          }
          if (outcome.kind === 'in-progress') {
            return reply
              .code(409)
              .header('retry-after', '1')
              .type('application/problem+json')
              .send(problem(409, 'Request in progress', 'A request with this Idempotency-Key is still being handled'));
          }
          if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
          return reply.code(outcome.response.status).send(outcome.response.body);
        },
      );

      api.get(
        '/enrollments/:id',
        {
          schema: {
            summary: 'An enrollment: status, cards, redirect, timeline',
            tags: ['enrollments'],
            params: EnrollmentParams,
          },
        },
        async (request, reply) => {
          const handle = await ownEnrollment(request, reply);
          if (!handle) return reply;
          try {
            return customerFacingView(await handle.query(enrollmentViewQuery), handle.workflowId, deps.workflowUiBase);
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error;
            // Ours, but past Temporal's retention: its record is gone.
            return reply
              .code(410)
              .type('application/problem+json')
              .send(problem(410, 'Gone', 'This enrollment ended long ago; its record is no longer kept'));
          }
        },
      );

      api.post(
        '/enrollments/:id/capture-confirmation',
        {
          schema: {
            summary: 'Confirm (or reject) the card number read from the picture',
            tags: ['enrollments'],
            params: EnrollmentParams,
            body: z.strictObject({ confirmed: z.boolean() }),
          },
        },
        async (request, reply) =>
          update(request, reply, (handle) =>
            handle.executeUpdate(confirmCapturedCardsUpdate, { args: [request.body] }),
          ),
      );

      api.post(
        '/enrollments/:id/one-time-code',
        {
          config: { rateLimit: { max: 10, timeWindow: '1 minute' } },
          schema: {
            summary: 'Submit the one-time code; answers with the redirect once the cards are pushed',
            tags: ['enrollments'],
            params: EnrollmentParams,
            body: z.strictObject({ code: z.string().regex(oneTimeCodePattern, 'must be 6 digits') }),
          },
        },
        async (request, reply) =>
          update(request, reply, (handle) => handle.executeUpdate(submitOneTimeCodeUpdate, { args: [request.body] })),
      );

      api.post(
        '/enrollments/:id/session-assertion',
        {
          schema: {
            summary: "Vouch for the cardholder with the app session's signed assertion instead of a code",
            tags: ['enrollments'],
            params: EnrollmentParams,
            body: z.strictObject({ assertion: z.string().min(10).max(4096) }),
          },
        },
        async (request, reply) =>
          update(request, reply, (handle) =>
            handle.executeUpdate(submitSessionAssertionUpdate, { args: [request.body] }),
          ),
      );

      api.post(
        '/enrollments/:id/one-time-code/resend',
        {
          schema: {
            summary: 'Send a new one-time code (after a cooldown)',
            tags: ['enrollments'],
            params: EnrollmentParams,
          },
        },
        async (request, reply) => update(request, reply, (handle) => handle.executeUpdate(resendOneTimeCodeUpdate)),
      );

      api.post(
        '/enrollments/:id/fresh-push',
        {
          schema: {
            summary: 'After the receipts expired, push the cards once more (once)',
            tags: ['enrollments'],
            params: EnrollmentParams,
          },
        },
        async (request, reply) => update(request, reply, (handle) => handle.executeUpdate(requestFreshPushUpdate)),
      );

      api.post(
        '/enrollments/:id/cancel',
        {
          schema: {
            summary: 'Cancel the enrollment (until a card has been added); the body may be left out',
            tags: ['enrollments'],
            params: EnrollmentParams,
            // Fastify hands a bodiless request to the schema as null: no body is an empty one.
            body: z.preprocess(
              (body) => body ?? {},
              z.strictObject({ reason: freeText(z.string().max(200)).optional() }),
            ),
          },
        },
        async (request, reply) =>
          update(request, reply, (handle) => handle.executeUpdate(cancelEnrollmentUpdate, { args: [request.body] })),
      );

      api.get(
        '/tokens',
        { schema: { summary: "The customer's tokens: where each card lives", tags: ['tokens'] } },
        async (request) => ({
          tokens: (await tokensOf(deps.pool, request.customerId)).map((token) => ({
            tokenUniqueReference: token.tokenUniqueReference,
            network: token.network,
            tokenRequestorId: token.tokenRequestorId,
            ...(token.tokenRequestorName && { tokenRequestorName: token.tokenRequestorName }),
            status: token.status,
            statusTimestamp: token.statusTimestamp.toISOString(),
            card: { id: token.card.cardRef, maskedPan: token.card.maskedPan },
          })),
        }),
      );

      done();
    },
    { prefix: '/v1' },
  );

  async function startEnrollment(
    customerId: string,
    key: string,
    body: z.infer<typeof StartEnrollment>,
  ): Promise<{ status: number; body: unknown }> {
    // The workflow id comes from the customer and the key: duplicates, even concurrent, meet one execution.
    const requestId = requestIdOf(customerId, key);
    const id = enrollmentWorkflowId(requestId);
    const input: EnrollmentInput = {
      requestId,
      customerId,
      cards: body.cards.map((card) =>
        'cardId' in card
          ? { method: 'card-on-file', cardId: card.cardId }
          : { method: card.method, captureId: card.captureId },
      ),
      tokenRequestorId: body.tokenRequestorId,
      pushMethod: body.pushMethod,
      ...(body.authentication && { authentication: body.authentication }),
      ...(body.callbackUrl && { callbackUrl: body.callbackUrl }),
      ...(body.locale && { locale: body.locale }),
      ...(body.receiptValidityMinutes && { receiptValidityMinutes: body.receiptValidityMinutes }),
      ...(deps.receiptTimerSecondsForDemo && { receiptTimerSecondsForDemo: deps.receiptTimerSecondsForDemo }),
    };
    await deps.temporal.workflow.start<typeof enrollmentWorkflow>('enrollmentWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: id,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    await recordEnrollment(deps.pool, { enrollmentId: id, customerId, requestId });
    // A label from a closed set: the token requestors the networks have listed, every other id one bucket.
    const listed = (await deps.tokenRequestors.list()).some(
      (requestor) => requestor.tokenRequestorId === body.tokenRequestorId,
    );
    metrics?.enrollmentsStarted.inc({ token_requestor: listed ? body.tokenRequestorId : 'unlisted' });
    return {
      status: 201,
      body: {
        id,
        status: 'CAPTURED',
        links: {
          self: `/v1/enrollments/${id}`,
          ...(deps.workflowUiBase && { workflow: `${deps.workflowUiBase}/${encodeURIComponent(id)}` }),
        },
      },
    };
  }

  async function ownEnrollment(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<WorkflowHandle<typeof enrollmentWorkflow> | undefined> {
    const { id } = request.params as { id: string };
    if (!(await isEnrollmentOf(deps.pool, id, request.customerId))) {
      await notFound(reply, 'enrollment', id);
      return undefined;
    }
    return deps.temporal.workflow.getHandle<typeof enrollmentWorkflow>(id);
  }

  /** Runs an update on the caller's enrollment; a refusal, or the enrollment's end, is answered by its type. */
  async function update(
    request: FastifyRequest,
    reply: FastifyReply,
    send: (handle: WorkflowHandle<typeof enrollmentWorkflow>) => Promise<unknown>,
  ): Promise<unknown> {
    const handle = await ownEnrollment(request, reply);
    if (!handle) return reply;
    try {
      return await send(handle);
    } catch (error) {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      return answerRefusal(reply, refusal);
    }
  }
}

/**
 * The request id of a customer's Idempotency-Key: a digest of both, drawn again (deterministically) in
 * the few cases in a thousand where the enrollment id would read as a card number, which logs and
 * problems would show masked.
 */
export function requestIdOf(customerId: string, key: string): string {
  for (let draw = 0; ; draw += 1) {
    const seed = draw === 0 ? `${customerId}\n${key}` : `${customerId}\n${key}\n${draw}`;
    const requestId = createHash('sha256').update(seed).digest('hex').slice(0, 32);
    if (!holdsCardNumber(enrollmentWorkflowId(requestId))) return requestId;
  }
}

/** A token requestor as the consumer's app shows it. */
function publicRequestor(requestor: CachedTokenRequestor): object {
  return {
    id: requestor.tokenRequestorId,
    name: requestor.name,
    consumerFacingEntityName: requestor.consumerFacingEntityName,
    type: requestor.tokenRequestorType,
    supportsMultipleCards: requestor.supportsMultiplePushedCards,
    logo: {
      svg: `/v1/token-requestor-logos/${requestor.imageAssetId}.svg`,
      png: `/v1/token-requestor-logos/${requestor.imageAssetId}.png`,
    },
  };
}

function notFound(reply: FastifyReply, what: string, id: string): FastifyReply {
  return reply
    .code(404)
    .type('application/problem+json')
    .send(problem(404, 'Not Found', `No ${what} ${id}`));
}
