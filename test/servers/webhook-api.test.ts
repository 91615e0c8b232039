// The operator API's webhook subscriptions over the test run's PostgreSQL: admins only (viewer and agent
// 403, no token 401); a subscription created with its secret shown once (never listed), its secret
// rotated with an overlap, its delivery log, a replay, and its disabling, each action once in the audit
// trail; bad input refused naming the field (a URL that is not http(s), an unknown event type), a card
// number in any field refused without being repeated, and nothing written then.
import { randomBytes, randomUUID } from 'node:crypto';
import { createLocalJWKSet } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { CallerAuthenticator } from '../../api/caller-auth.js';
import { OperatorAuthenticator } from '../../api/operator-auth.js';
import { auditTrail } from '../../db/operator-audit.js';
import { publishEvent } from '../../db/webhook-events.js';
import { DecryptionRefusedError } from '../../activities/keys/key-handles.js';
import { openWebhookSecret, sealClearWebhookSecrets } from '../../activities/webhooks/webhook-secret-seal.js';
import { signingSubscription } from '../../db/webhook-subscriptions.js';
import { identityProviderForTests, untouchable } from '../support/consumer-deps.js';
import { testWebhookSecretKeys } from '../support/webhook-receiver.js';

const audience = 'pushprov-operator-test';
const identity = identityProviderForTests();
let pool: pg.Pool;
let app: FastifyInstance;
const tokens: Record<string, string> = {};
const pan = '5204731600014792';
const secretKeys = testWebhookSecretKeys();

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  const auth = new OperatorAuthenticator(
    new CallerAuthenticator({ issuer: 'pushprov-dev-idp', audience, keys: createLocalJWKSet(identity().jwks()) }),
  );
  app = await buildApp(
    {
      readinessChecks: {},
      operator: {
        auth,
        pool,
        temporal: untouchable('temporal'),
        taskQueue: 'unused',
        fingerprintKeys: [],
        webhookSecretKeys: secretKeys,
      },
      rateLimitPerMinute: 1_000_000,
    },
    { logger: false },
  );
  for (const role of ['viewer', 'agent', 'admin'] as const) {
    tokens[role] = await identity().tokenFor(`webhook-${role}-1`, audience, 3_600, { roles: [role] });
  }
});

afterAll(async () => {
  // The subscriptions are the run's: none of this file's stays active to take the other files' events.
  await pool?.query(
    `UPDATE webhook_subscriptions SET status = 'DISABLED' WHERE created_by LIKE 'webhook-%' AND status = 'ACTIVE'`,
  );
  await app?.close();
  await pool?.end();
});

async function as(who: string | undefined, method: 'GET' | 'POST', url: string, body?: object) {
  const response = await app.inject({
    method,
    url: `/operator/v1${url}`,
    headers: { ...(who && { authorization: `Bearer ${tokens[who]}` }) },
    ...(body && { payload: body }),
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>(), text: response.body };
}

const subscribe = (who = 'admin', more: object = {}) =>
  as(who, 'POST', '/webhook-subscriptions', {
    url: 'https://issuer.example/pushprov/events',
    eventTypes: ['token.status_changed', 'enrollment.status_changed'],
    description: 'card management system',
    ...more,
  });

const auditOf = async (target: string) =>
  (await auditTrail(pool, { limit: 500 })).filter((entry) => entry.target === target).reverse();

describe('the webhook subscriptions of the operator API', () => {
  it('are for admins: 401 without an operator token, 403 for a viewer or an agent, naming the role', async () => {
    const created = await subscribe();
    expect(created.status).toBe(201);
    const id = created.body.subscriptionId as string;
    const calls: [string, 'GET' | 'POST', string, object?][] = [
      ['create', 'POST', '/webhook-subscriptions', { url: 'https://issuer.example/a' }],
      ['list', 'GET', '/webhook-subscriptions'],
      ['read', 'GET', `/webhook-subscriptions/${id}`],
      ['rotate', 'POST', `/webhook-subscriptions/${id}/rotate-secret`, {}],
      ['log', 'GET', `/webhook-subscriptions/${id}/deliveries`],
      ['replay', 'POST', `/webhook-subscriptions/${id}/replay`, { since: new Date().toISOString() }],
      ['disable', 'POST', `/webhook-subscriptions/${id}/disable`, { reason: 'role matrix' }],
    ];
    const matrix: Record<string, number[]> = {};
    for (const who of [undefined, 'viewer', 'agent', 'admin']) {
      matrix[who ?? 'nobody'] = [];
      for (const [, method, url, body] of calls)
        matrix[who ?? 'nobody']!.push((await as(who, method, url, body)).status);
    }
    expect(matrix).toEqual({
      nobody: [401, 401, 401, 401, 401, 401, 401],
      viewer: [403, 403, 403, 403, 403, 403, 403],
      agent: [403, 403, 403, 403, 403, 403, 403],
      admin: [201, 200, 200, 200, 200, 202, 200],
    });
    expect((await as('agent', 'GET', '/webhook-subscriptions')).body.detail).toBe(
      'This needs the admin role; the token grants agent',
    );
  });

  it('stores the secrets sealed, bound to their subscription; seals at start what was stored in clear', async () => {
    const created = await subscribe();
    const id = created.body.subscriptionId as string;
    const shown = Buffer.from((created.body.secret as string).slice('whsec_'.length), 'base64url');
    const rotated = await as('admin', 'POST', `/webhook-subscriptions/${id}/rotate-secret`, { overlapHours: 1 });
    const shownAfter = Buffer.from((rotated.body.secret as string).slice('whsec_'.length), 'base64url');
    const rowOf = async (subscriptionId: string) =>
      (
        await pool.query<{
          secret: Buffer;
          secret_key_id: string | null;
          previous_secret: Buffer;
          previous_secret_key_id: string | null;
        }>(
          'SELECT secret, secret_key_id, previous_secret, previous_secret_key_id FROM webhook_subscriptions WHERE subscription_id = $1',
          [subscriptionId],
        )
      ).rows[0]!;
    const row = await rowOf(id);
    const { kid } = secretKeys.currentEncryption;
    expect([row.secret_key_id, row.previous_secret_key_id]).toEqual([kid, kid]);
    for (const stored of [row.secret, row.previous_secret]) {
      expect(stored.includes(shown)).toBe(false);
      expect(stored.includes(shownAfter)).toBe(false);
    }
    const opened = await signingSubscription(pool, id);
    const secrets = await Promise.all(opened!.secrets.map((stored) => openWebhookSecret(secretKeys, id, stored)));
    expect(secrets.map((secret) => secret.toString('hex'))).toEqual([
      shownAfter.toString('hex'),
      shown.toString('hex'),
    ]);
    // A sealed secret moved to another subscription does not open there.
    await expect(openWebhookSecret(secretKeys, randomUUID(), opened!.secrets[0]!)).rejects.toThrow(
      DecryptionRefusedError,
    );

    // A subscription stored before sealing, secrets in clear: the API's start seals them, and they still sign.
    const legacy = randomUUID();
    const [clear, clearBefore] = [randomBytes(32), randomBytes(32)];
    await pool.query(
      `INSERT INTO webhook_subscriptions (subscription_id, url, event_types, secret, previous_secret,
         previous_secret_expires_at, created_by, status)
       VALUES ($1, 'https://issuer.example/legacy', '{}', $2, $3, now() + interval '1 hour', 'webhook-legacy', 'DISABLED')`,
      [legacy, clear, clearBefore],
    );
    expect(await sealClearWebhookSecrets(pool, secretKeys)).toBeGreaterThanOrEqual(1);
    const sealed = await rowOf(legacy);
    expect([sealed.secret_key_id, sealed.previous_secret_key_id]).toEqual([kid, kid]);
    expect(sealed.secret.includes(clear)).toBe(false);
    const legacySecrets = (await signingSubscription(pool, legacy))!.secrets;
    expect(
      (await Promise.all(legacySecrets.map((stored) => openWebhookSecret(secretKeys, legacy, stored)))).map((secret) =>
        secret.toString('hex'),
      ),
    ).toEqual([clear.toString('hex'), clearBefore.toString('hex')]);
    expect(await sealClearWebhookSecrets(pool, secretKeys)).toBe(0);
  });

  it('shows the secret once, rotates it with an overlap, replays, disables: each action audited', async () => {
    const created = await subscribe();
    expect(created.body).toMatchObject({
      url: 'https://issuer.example/pushprov/events',
      eventTypes: ['token.status_changed', 'enrollment.status_changed'],
      status: 'ACTIVE',
      createdBy: 'webhook-admin-1',
    });
    const id = created.body.subscriptionId as string;
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const listed = await as('admin', 'GET', '/webhook-subscriptions');
    expect(listed.text).not.toContain(secret);
    expect((listed.body.subscriptions as { subscriptionId: string }[]).map((item) => item.subscriptionId)).toContain(
      id,
    );
    const read = await as('admin', 'GET', `/webhook-subscriptions/${id}`);
    expect(read.text).not.toContain(secret.slice(6));
    expect(read.body.secret).toBeUndefined();

    const rotated = await as('admin', 'POST', `/webhook-subscriptions/${id}/rotate-secret`, { overlapHours: 2 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    const overlapEnds = Date.parse(rotated.body.previousSecretExpiresAt as string) - Date.now();
    expect(overlapEnds).toBeGreaterThan(2 * 3_600_000 - 60_000);
    expect(overlapEnds).toBeLessThanOrEqual(2 * 3_600_000);
    const rotatedByDefault = await as('admin', 'POST', `/webhook-subscriptions/${id}/rotate-secret`);
    expect(Date.parse(rotatedByDefault.body.previousSecretExpiresAt as string) - Date.now()).toBeGreaterThan(
      23 * 3_600_000,
    );

    const eventId = await publishEvent(pool, {
      type: 'token.status_changed',
      orderingKey: `token:MASTERCARD:DWSPMC${randomUUID().replaceAll('-', '')}`,
      data: { status: 'SUSPENDED' },
    });
    const unknownEvent = await as('admin', 'POST', `/webhook-subscriptions/${id}/replay`, { eventId: randomUUID() });
    expect(unknownEvent.status).toBe(404);
    expect(await as('admin', 'POST', `/webhook-subscriptions/${id}/replay`, { eventId })).toMatchObject({
      status: 202,
      body: { replayed: 1 },
    });
    expect((await as('admin', 'POST', `/webhook-subscriptions/${id}/replay`, {})).status).toBe(400);
    expect((await as('admin', 'GET', `/webhook-subscriptions/${id}/deliveries`)).body).toEqual({ attempts: [] });

    const disabled = await as('admin', 'POST', `/webhook-subscriptions/${id}/disable`, { reason: 'moved to v2' });
    expect(disabled.body).toMatchObject({ status: 'DISABLED', disabledReason: 'moved to v2' });
    expect((await as('admin', 'POST', `/webhook-subscriptions/${id}/replay`, { eventId })).status).toBe(409);
    expect((await as('admin', 'GET', `/webhook-subscriptions/${randomUUID()}`)).status).toBe(404);

    const audit = await auditOf(id);
    expect(audit.map((entry) => [entry.action, entry.operatorId, entry.role])).toEqual([
      ['webhook.subscribe', 'webhook-admin-1', 'admin'],
      ['webhook.rotate-secret', 'webhook-admin-1', 'admin'],
      ['webhook.rotate-secret', 'webhook-admin-1', 'admin'],
      ['webhook.replay', 'webhook-admin-1', 'admin'],
      ['webhook.disable', 'webhook-admin-1', 'admin'],
    ]);
    expect(audit[0]!.details).toMatchObject({ endpoint: 'https://issuer.example/pushprov/events' });
    expect(audit[1]!.details).toEqual({ overlapHours: 2 });
    expect(audit[3]!.details).toEqual({ eventId, replayed: 1 });
    expect(audit[4]!.reason).toBe('moved to v2');
    expect(JSON.stringify(audit)).not.toContain(secret.slice(6));
  });

  it('refuses bad input naming the field, and a card number anywhere without repeating it', async () => {
    const before = (await auditTrail(pool, { limit: 1 }))[0]?.id;
    const refusals: [object, number, RegExp][] = [
      [{ url: 'ftp://issuer.example/events' }, 400, /url/],
      [{ url: 'not a url' }, 400, /url/],
      [{ url: 'https://user:password@issuer.example/events' }, 400, /url: must not carry credentials/],
      [{ eventTypes: ['token.created'] }, 400, /eventTypes/],
      [{ secret: 'mine' }, 400, /secret|Unrecognized/i],
      [{ url: `https://issuer.example/events/${pan}` }, 422, /url: must not hold a card number/],
      [{ url: `https://issuer.example/events?card=${pan}` }, 422, /url/],
      [
        { description: `card ${pan.slice(0, 4)} ${pan.slice(4, 8)} ${pan.slice(8, 12)} ${pan.slice(12)}` },
        422,
        /description/,
      ],
    ];
    for (const [more, status, detail] of refusals) {
      const refused = await subscribe('admin', more);
      expect([more, refused.status]).toEqual([more, status]);
      expect(refused.body.detail).toMatch(detail);
      expect(refused.text).not.toContain(pan);
      expect(refused.text).not.toContain(pan.slice(4, 8) + ' ' + pan.slice(8, 12));
    }
    const id = (await subscribe()).body.subscriptionId as string;
    const disable = await as('admin', 'POST', `/webhook-subscriptions/${id}/disable`, { reason: `lost ${pan}` });
    expect(disable.status).toBe(422);
    expect(disable.text).not.toContain(pan);
    expect(
      (await as('admin', 'POST', `/webhook-subscriptions/${id}/rotate-secret`, { overlapHours: 169 })).status,
    ).toBe(400);
    expect((await as('admin', 'GET', `/webhook-subscriptions/${pan}`)).status).toBe(400);
    // Nothing of the refused requests was written: the trail holds only the subscription made in between.
    const written = (await auditTrail(pool, { limit: 50 })).filter(
      (entry) => !before || BigInt(entry.id) > BigInt(before),
    );
    expect(written.map((entry) => [entry.action, entry.target])).toEqual([['webhook.subscribe', id]]);
    expect(JSON.stringify(written)).not.toContain(pan);
  });
});
