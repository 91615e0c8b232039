/**
 * The operator API's webhook subscriptions, for admins: create one (its URL and the event types it takes;
 * its signing secret shown this once), list and read them, rotate the secret (the old one keeps signing
 * beside the new for an overlap, 24 h by default), disable one, read its delivery log (every attempt), and
 * replay one event or every event since a time. Every action is written to the audit trail with it.
 */
import type { Pool } from 'pg';
import { z } from 'zod';
import { queryInteger } from './query-integer.js';
import { sealWebhookSecret, type WebhookSecretKeys } from '../activities/webhooks/webhook-secret-seal.js';
import { newWebhookSecret, webhookSecretText } from '../activities/webhooks/webhook-signature.js';
import { newIdentifier } from '../domain/identifiers.js';
import { recordAudit } from '../db/operator-audit.js';
import { inTransaction } from '../db/transaction.js';
import { deliveryLog, replayEvents } from '../db/webhook-deliveries.js';
import { eventById } from '../db/webhook-events.js';
import {
  createSubscription,
  disableSubscription,
  rotateSecret,
  subscriptionById,
  subscriptions,
  type WebhookSubscription,
} from '../db/webhook-subscriptions.js';
import { defaultSecretOverlapHours, webhookEventTypes } from '../domain/webhook-events.js';
import { freeText } from './free-text.js';
import { allowed, type Operator, type OperatorScope } from './operator-auth.js';
import { problemResponses, sendProblem } from './problem.js';

export interface WebhookRouteDeps {
  pool: Pool;
  /** The keys that seal the signing secrets stored (the vault's encryption keys). */
  webhookSecretKeys: WebhookSecretKeys;
}

const problems = problemResponses(400, 401, 403, 429, 500, 503);
const withBody = problemResponses(400, 401, 403, 413, 415, 422, 429, 500, 503);
const replayLimit = 10_000;

const endpointUrl = freeText(
  z
    .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
    .max(2048)
    .refine((url) => !/^[a-z]+:\/\/[^/]*@/i.test(url), 'must not carry credentials'),
);

const SubscriptionView = z.object({
  subscriptionId: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string().optional(),
  status: z.enum(['ACTIVE', 'DISABLED']),
  disabledReason: z.string().optional(),
  previousSecretExpiresAt: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const WithSecret = SubscriptionView.extend({
  secret: z.string().meta({ description: 'The signing secret: shown once, keep it with the receiver' }),
});
const subscriptionParams = z.strictObject({ subscriptionId: z.uuid() });

const subscriptionView = ({ createdAt, previousSecretExpiresAt, ...subscription }: WebhookSubscription) => ({
  ...subscription,
  createdAt: createdAt.toISOString(),
  ...(previousSecretExpiresAt && { previousSecretExpiresAt: previousSecretExpiresAt.toISOString() }),
});

/** The audit entry of an action on a subscription, written with it. */
const audit = (operator: Operator, action: string, target: string, more: { reason?: string; details?: object }) => ({
  operatorId: operator.id,
  role: operator.role,
  action,
  target,
  ...(more.reason !== undefined && { reason: more.reason }),
  ...(more.details && { details: { ...more.details } }),
});

export function registerWebhookRoutes(api: OperatorScope, deps: WebhookRouteDeps): void {
  const { pool } = deps;

  api.post(
    '/webhook-subscriptions',
    {
      schema: {
        summary: 'Subscribe an endpoint to events; answers its signing secret, once: admin',
        tags: ['operators'],
        body: z.strictObject({
          url: endpointUrl,
          /** None: every type. */
          eventTypes: z.array(z.enum(webhookEventTypes)).max(webhookEventTypes.length).default([]),
          description: freeText(z.string().max(256)).optional(),
        }),
        response: { 201: WithSecret, ...withBody },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { url, eventTypes, description } = request.body;
      const secret = newWebhookSecret();
      const subscriptionId = newIdentifier();
      const created = await inTransaction(pool, async (client) => {
        const subscription = await createSubscription(client, {
          subscriptionId,
          url,
          eventTypes: [...new Set(eventTypes)],
          ...(description && { description }),
          secret: await sealWebhookSecret(deps.webhookSecretKeys, subscriptionId, secret),
          createdBy: request.operator.id,
        });
        const { origin, pathname } = new URL(url);
        await recordAudit(
          client,
          audit(request.operator, 'webhook.subscribe', subscriptionId, {
            details: { endpoint: `${origin}${pathname}`, eventTypes: subscription.eventTypes },
          }),
        );
        return subscription;
      });
      return reply.code(201).send({ ...subscriptionView(created), secret: webhookSecretText(secret) });
    },
  );

  api.get(
    '/webhook-subscriptions',
    {
      schema: {
        summary: 'The webhook subscriptions, newest first: admin',
        tags: ['operators'],
        response: { 200: z.object({ subscriptions: z.array(SubscriptionView) }), ...problems },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      return { subscriptions: (await subscriptions(pool)).map(subscriptionView) };
    },
  );

  api.get(
    '/webhook-subscriptions/:subscriptionId',
    {
      schema: {
        summary: 'One webhook subscription (never its secret): admin',
        tags: ['operators'],
        params: subscriptionParams,
        response: { 200: SubscriptionView, ...problems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const found = await subscriptionById(pool, request.params.subscriptionId);
      return found ? subscriptionView(found) : notFound(reply, request.params.subscriptionId);
    },
  );

  api.post(
    '/webhook-subscriptions/:subscriptionId/rotate-secret',
    {
      schema: {
        summary: 'A new signing secret, answered once; the old one signs beside it for the overlap: admin',
        tags: ['operators'],
        params: subscriptionParams,
        // No body: the default overlap.
        body: z.strictObject({ overlapHours: z.number().min(0).max(168).optional() }).nullish(),
        response: { 200: WithSecret, ...withBody, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { subscriptionId } = request.params;
      const overlapHours = request.body?.overlapHours ?? defaultSecretOverlapHours;
      const secret = newWebhookSecret();
      const sealed = await sealWebhookSecret(deps.webhookSecretKeys, subscriptionId, secret);
      const rotated = await inTransaction(pool, async (client) => {
        const subscription = await rotateSecret(client, subscriptionId, sealed, overlapHours * 3600);
        if (subscription) {
          await recordAudit(
            client,
            audit(request.operator, 'webhook.rotate-secret', subscriptionId, { details: { overlapHours } }),
          );
        }
        return subscription;
      });
      if (!rotated) return notFound(reply, subscriptionId);
      return { ...subscriptionView(rotated), secret: webhookSecretText(secret) };
    },
  );

  api.post(
    '/webhook-subscriptions/:subscriptionId/disable',
    {
      schema: {
        summary: 'No more events to this endpoint; deliveries under way stop: admin',
        tags: ['operators'],
        params: subscriptionParams,
        body: z.strictObject({ reason: freeText(z.string().min(1).max(256)) }),
        response: { 200: SubscriptionView, ...withBody, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { subscriptionId } = request.params;
      const { reason } = request.body;
      const disabled = await inTransaction(pool, async (client) => {
        const subscription = await disableSubscription(client, subscriptionId, reason);
        if (subscription)
          await recordAudit(client, audit(request.operator, 'webhook.disable', subscriptionId, { reason }));
        return subscription;
      });
      return disabled ? subscriptionView(disabled) : notFound(reply, subscriptionId);
    },
  );

  api.get(
    '/webhook-subscriptions/:subscriptionId/deliveries',
    {
      schema: {
        summary: "The subscription's delivery log, every attempt, newest first (one event's when named): admin",
        tags: ['operators'],
        params: subscriptionParams,
        querystring: z.strictObject({
          limit: queryInteger({ min: 1, max: 500, default: 100 }),
          before: z
            .string()
            .regex(/^\d{1,18}$/)
            .optional(),
          eventId: z.uuid().optional(),
        }),
        response: {
          200: z.object({
            attempts: z.array(
              z.object({
                id: z.string(),
                eventId: z.string(),
                eventType: z.string(),
                attempt: z.number(),
                statusCode: z.number().optional(),
                error: z.string().optional(),
                durationMs: z.number(),
                at: z.string(),
              }),
            ),
          }),
          ...problems,
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { subscriptionId } = request.params;
      if (!(await subscriptionById(pool, subscriptionId))) return notFound(reply, subscriptionId);
      const { limit, before, eventId } = request.query;
      const attempts = await deliveryLog(pool, subscriptionId, {
        limit,
        ...(before && { before }),
        ...(eventId && { eventId }),
      });
      return { attempts: attempts.map(({ at, ...attempt }) => ({ ...attempt, at: at.toISOString() })) };
    },
  );

  api.post(
    '/webhook-subscriptions/:subscriptionId/replay',
    {
      schema: {
        summary: `Deliver again one event, or every event published since a time (up to ${replayLimit}): admin`,
        tags: ['operators'],
        params: subscriptionParams,
        body: z
          .strictObject({ eventId: z.uuid().optional(), since: z.iso.datetime({ offset: true }).optional() })
          .refine((body) => (body.eventId === undefined) !== (body.since === undefined), {
            message: 'name either eventId or since',
          }),
        response: { 202: z.object({ replayed: z.number() }), ...withBody, ...problemResponses(404, 409) },
      },
    },
    async (request, reply) => {
      if (!allowed(request, reply, 'admin')) return reply;
      const { subscriptionId } = request.params;
      const { eventId, since } = request.body;
      const subscription = await subscriptionById(pool, subscriptionId);
      if (!subscription) return notFound(reply, subscriptionId);
      if (subscription.status !== 'ACTIVE') {
        return sendProblem(reply, 409, 'Conflict', `The subscription ${subscriptionId} is disabled`);
      }
      if (eventId && !(await eventById(pool, eventId))) {
        return sendProblem(reply, 404, 'Not Found', `No webhook event ${eventId}`);
      }
      const replayed = await inTransaction(pool, async (client) => {
        const which = eventId ? { eventId } : { since: new Date(since!) };
        const count = await replayEvents(client, subscriptionId, which, replayLimit);
        await recordAudit(
          client,
          audit(request.operator, 'webhook.replay', subscriptionId, {
            details: { ...(eventId ? { eventId } : { since }), replayed: count },
          }),
        );
        return count;
      });
      return reply.code(202).send({ replayed });
    },
  );
}

function notFound(reply: Parameters<typeof sendProblem>[0], subscriptionId: string) {
  return sendProblem(reply, 404, 'Not Found', `No webhook subscription ${subscriptionId}`);
}
