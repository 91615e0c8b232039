// Webhook delivery on Temporal's time-skipping test server, with the real activities over the test run's
// PostgreSQL and a receiver over real HTTP: token status changes written to the inventory (and an
// enrollment's event, published twice by a retried activity) are published; the receiver answers 500 for
// an hour, then recovers; it then has every event once by id, each token's in order, every signature
// verified, while the delivery log shows the failed attempts, backed off up to 10 minutes apart. A replay
// delivers an event again; a key's 120 events arrive in order across runs of its workflow (continued as
// new); an endpoint that answers 410 Gone disables its subscription.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks/webhook-activities.js';
import { sealWebhookSecret } from '../../activities/webhooks/webhook-secret-seal.js';
import { newWebhookSecret, webhookSecretText } from '../../activities/webhooks/webhook-signature.js';
import { publishEnrollmentStatus } from '../../db/enrollment-events.js';
import { recordTokenStatus } from '../../db/token-inventory.js';
import { deliveryLog, replayEvents } from '../../db/webhook-deliveries.js';
import {
  createSubscription,
  disableSubscription,
  subscriptionById,
  type WebhookSubscription,
} from '../../db/webhook-subscriptions.js';
import type { TokenStatus } from '../../domain/enrollment.js';
import { enrollmentOrderingKey, tokenOrderingKey } from '../../domain/webhook-events.js';
import { webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery.js';
import { webhookDispatchWorkflow } from '../../workflows/webhook-dispatch.js';
import { cardWithTokens, newTokenReference } from '../support/inventory-tokens.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';
import { startWebhookReceiver, testWebhookSecretKeys, type WebhookReceiver } from '../support/webhook-receiver.js';

const timeSkipping = timeSkippingPerFile();
let pool: pg.Pool;
const receivers: WebhookReceiver[] = [];
const subscribed: string[] = [];
const secretKeys = testWebhookSecretKeys();

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
});

afterEach(async () => {
  // The outbox and the subscriptions are shared with the other files: none of this file's stays active.
  for (const id of subscribed.splice(0)) await disableSubscription(pool, id, 'the test ended');
  for (const receiver of receivers.splice(0)) await receiver.close();
});

afterAll(async () => {
  await pool?.end();
});

async function subscribe(answer: number): Promise<{ receiver: WebhookReceiver; subscription: WebhookSubscription }> {
  const receiver = await startWebhookReceiver(answer);
  receivers.push(receiver);
  const secret = newWebhookSecret();
  receiver.secrets.push(webhookSecretText(secret));
  const subscriptionId = randomUUID();
  const subscription = await createSubscription(pool, {
    subscriptionId,
    url: receiver.url,
    eventTypes: [],
    secret: await sealWebhookSecret(secretKeys, subscriptionId, secret),
    createdBy: 'test',
  });
  subscribed.push(subscription.subscriptionId);
  return { receiver, subscription };
}

/**
 * The engine's dispatcher and deliveries on a worker of this test while `work` runs; then they are ended,
 * the subscription's delivery workflows too (a workflow left waiting on a queue no worker polls would keep
 * the test server from skipping time in the next test).
 */
async function withDeliveries(subscriptionId: string, work: () => Promise<void>): Promise<void> {
  const { worker, taskQueue } = await timeSkipping.newWorker(
    createWebhookActivities({ pool, secretKeys, timeoutMs: 2_000 }),
  );
  await worker.runUntil(async () => {
    const dispatcher = await timeSkipping.env.client.workflow.start(webhookDispatchWorkflow, {
      taskQueue,
      workflowId: `webhook-dispatcher-${randomUUID()}`,
      args: [{ pollSeconds: 30 }],
    });
    try {
      await work();
    } finally {
      await dispatcher.terminate('the test ended');
      const { rows } = await pool.query<{ ordering_key: string }>(
        'SELECT DISTINCT ordering_key FROM webhook_deliveries WHERE subscription_id = $1',
        [subscriptionId],
      );
      for (const { ordering_key: orderingKey } of rows) {
        await timeSkipping.env.client.workflow
          .getHandle(webhookDeliveryWorkflowId({ subscriptionId, orderingKey }))
          .terminate('the test ended')
          .catch(() => undefined); // ended already
      }
    }
  });
}

/** Moves time on a minute at a time until the receiver has taken this many deliveries (at most `limit` minutes). */
async function untilAccepted(receiver: WebhookReceiver, count: number, limit = 60): Promise<void> {
  for (let minute = 0; minute < limit && receiver.accepted().length < count; minute += 1)
    await timeSkipping.env.sleep('1 minute');
  expect(receiver.accepted().length).toBe(count);
}

const eventIdsOf = async (keys: string[]) =>
  (
    await pool.query<{ event_id: string; ordering_key: string }>(
      'SELECT event_id, ordering_key FROM webhook_events WHERE ordering_key = ANY($1) ORDER BY event_seq',
      [keys],
    )
  ).rows;

describe('webhook deliveries', () => {
  it('delivers every event once, in order per token, signed, after the endpoint answered 500 for an hour', async () => {
    const { receiver, subscription } = await subscribe(500);
    const [first, second] = [newTokenReference(), newTokenReference()];
    const { cardRef, customerId } = await cardWithTokens(pool, []);
    const base = Date.now();
    const write = (token: string, status: TokenStatus, second_: number) =>
      recordTokenStatus(pool, {
        network: 'MASTERCARD',
        tokenUniqueReference: token,
        customerId,
        cardRef,
        tokenRequestorId: '50110030273',
        enrollmentId: 'enrollment-webhooks',
        status,
        statusTimestamp: new Date(base + second_ * 1000).toISOString(),
      });
    await write(first, 'INACTIVE', 1);
    await write(second, 'ACTIVE', 1);
    await write(first, 'ACTIVE', 2);
    await write(first, 'SUSPENDED', 4);
    await write(first, 'ACTIVE', 3); // older than the one kept: no change, no event
    await write(second, 'ACTIVE', 5); // newer, but the same status: no event
    await write(first, 'DEACTIVATED', 6);
    const enrollmentId = `enrollment-${randomUUID()}`;
    const enrollment = {
      enrollmentId,
      customerId,
      network: 'MASTERCARD' as const,
      tokenRequestorId: '50110030273',
      status: 'AWAITING_TOKEN_REQUESTOR' as const,
      attempt: 1,
      cards: [{ cardRef, pushed: true }],
    };
    // The push activity ran twice (a retry): one event.
    expect(await publishEnrollmentStatus(pool, enrollment)).toBe(await publishEnrollmentStatus(pool, enrollment));

    const keys = [
      tokenOrderingKey('MASTERCARD', first),
      tokenOrderingKey('MASTERCARD', second),
      enrollmentOrderingKey(enrollmentId),
    ];
    const published = await eventIdsOf(keys);
    expect(published.map((event) => event.ordering_key)).toEqual([
      keys[0],
      keys[1],
      keys[0],
      keys[0],
      keys[0],
      keys[2],
    ]);

    await withDeliveries(subscription.subscriptionId, async () => {
      await timeSkipping.env.sleep('1 hour');
      expect(receiver.accepted()).toEqual([]);
      receiver.answer = 200;
      await untilAccepted(receiver, published.length, 20);
    });

    // Every event once by id, each key's in the order published, every signature (and header) right.
    const accepted = receiver.accepted();
    expect(accepted.map((delivery) => delivery.eventId).sort()).toEqual(
      published.map((event) => event.event_id).sort(),
    );
    for (const key of keys) {
      const order = published.filter((event) => event.ordering_key === key).map((event) => event.event_id);
      const keyOf = (id: string | undefined) => published.find((event) => event.event_id === id)?.ordering_key;
      expect(
        accepted.filter((delivery) => keyOf(delivery.eventId) === key).map((delivery) => delivery.eventId),
      ).toEqual(order);
    }
    for (const delivery of receiver.received) {
      expect(delivery.verdict.valid).toBe(true);
      expect(delivery.body.id).toBe(delivery.eventId);
      expect(delivery.body.type).toBe(delivery.eventType);
    }
    const statuses = accepted
      .filter(
        (delivery) =>
          delivery.body.type === 'token.status_changed' && delivery.body.data.tokenUniqueReference === first,
      )
      .map((delivery) => [delivery.body.data.previousStatus, delivery.body.data.status]);
    expect(statuses).toEqual([
      [null, 'INACTIVE'],
      ['INACTIVE', 'ACTIVE'],
      ['ACTIVE', 'SUSPENDED'],
      ['SUSPENDED', 'DEACTIVATED'],
    ]);

    // The log: the head of each key failed with 500 through the hour, backed off exponentially from 1 s and
    // capped at 10 minutes: 11 attempts in the first 17 minutes, then one every 10 minutes, the 16th taken
    // (uncapped, there would have been 12 in the hour and a 13th after 68 minutes; unbacked, thousands).
    const log = await deliveryLog(pool, subscription.subscriptionId, { limit: 500 });
    const headAttempts = log.filter((attempt) => attempt.eventId === published[0]!.event_id).reverse();
    expect(headAttempts.map((attempt) => attempt.attempt)).toEqual(headAttempts.map((_, index) => index + 1));
    expect(headAttempts.length).toBeGreaterThanOrEqual(15);
    expect(headAttempts.length).toBeLessThanOrEqual(17);
    expect(headAttempts.slice(0, -1).every((attempt) => attempt.statusCode === 500)).toBe(true);
    expect(headAttempts.at(-1)).toMatchObject({ statusCode: 200 });
    // An event behind the head was sent only once its head was taken: one attempt, 200.
    expect(log.filter((attempt) => attempt.eventId === published[4]!.event_id)).toMatchObject([
      { statusCode: 200, attempt: 1 },
    ]);
  });

  it('delivers an event again when it is replayed, and never otherwise', async () => {
    const { receiver, subscription } = await subscribe(200);
    const enrollmentId = `enrollment-${randomUUID()}`;
    const eventId = await publishEnrollmentStatus(pool, {
      enrollmentId,
      customerId: 'customer-webhooks',
      network: 'VISA',
      tokenRequestorId: '40010030273',
      status: 'DECLINED',
      attempt: 1,
      cards: [{ cardRef: randomUUID(), pushed: false }],
    });
    await withDeliveries(subscription.subscriptionId, async () => {
      await untilAccepted(receiver, 1, 5);
      // The key's workflow ended when idle; the dispatcher has nothing more to send.
      await timeSkipping.env.sleep('30 minutes');
      expect(receiver.accepted()).toHaveLength(1);
      expect(await replayEvents(pool, subscription.subscriptionId, { eventId }, 10)).toBe(1);
      await untilAccepted(receiver, 2, 5);
    });
    expect(receiver.accepted().map((delivery) => delivery.eventId)).toEqual([eventId, eventId]);
    expect(receiver.received.every((delivery) => delivery.verdict.valid)).toBe(true);
  });

  it("delivers a key's events in order across runs of its workflow (continued as new every 100 events)", async () => {
    const { receiver, subscription } = await subscribe(200);
    const enrollmentId = `enrollment-${randomUUID()}`;
    const published: string[] = [];
    for (let attempt = 1; attempt <= 120; attempt += 1) {
      published.push(
        await publishEnrollmentStatus(pool, {
          enrollmentId,
          customerId: 'customer-webhooks',
          network: 'MASTERCARD',
          tokenRequestorId: '50110030273',
          status: 'AWAITING_TOKEN_REQUESTOR',
          attempt,
          cards: [],
        }),
      );
    }
    await withDeliveries(subscription.subscriptionId, async () => {
      await untilAccepted(receiver, published.length, 10);
      const workflowId = webhookDeliveryWorkflowId({
        subscriptionId: subscription.subscriptionId,
        orderingKey: enrollmentOrderingKey(enrollmentId),
      });
      // The run that delivered the last events was continued from an earlier one.
      const history = await timeSkipping.env.client.workflow.getHandle(workflowId).fetchHistory();
      const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
      expect(started?.continuedExecutionRunId).toMatch(/^[0-9a-f-]{36}$/);
    });
    expect(receiver.accepted().map((delivery) => delivery.eventId)).toEqual(published);
  });

  it('disables the subscription whose endpoint answers 410 Gone, and sends it nothing more', async () => {
    const { receiver, subscription } = await subscribe(410);
    const enrollmentId = `enrollment-${randomUUID()}`;
    for (const attempt of [1, 2]) {
      await publishEnrollmentStatus(pool, {
        enrollmentId,
        customerId: 'customer-webhooks',
        network: 'VISA',
        tokenRequestorId: '40010030273',
        status: 'AWAITING_TOKEN_REQUESTOR',
        attempt,
        cards: [],
      });
    }
    await withDeliveries(subscription.subscriptionId, async () => {
      for (let minute = 0; minute < 5 && receiver.received.length === 0; minute += 1)
        await timeSkipping.env.sleep('1 minute');
      await timeSkipping.env.sleep('1 hour');
    });
    expect(receiver.received).toHaveLength(1);
    expect(await subscriptionById(pool, subscription.subscriptionId)).toMatchObject({
      status: 'DISABLED',
      disabledReason: 'The endpoint answered 410 Gone',
    });
  });
});
