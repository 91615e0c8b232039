// The webhook outbox's producers over the test run's PostgreSQL: a token's status written to the inventory
// or changed by a lifecycle operation publishes `token.status_changed` (with the status before) only when
// the status changed, in the writer's transaction (rolled back, nothing is published); an event holding a
// card number is refused before anything is written, while a token reference's digits are not taken for one.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordTokenStatus } from '../../db/token-inventory.js';
import { updateTokenStatus } from '../../db/token-lifecycle.js';
import { publishEvent } from '../../db/webhook-events.js';
import { tokenOrderingKey } from '../../domain/webhook-events.js';
import { cardWithTokens, newTokenReference } from '../support/inventory-tokens.js';

let pool: pg.Pool;
const pan = '5204731600014792';

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
});

afterAll(async () => {
  await pool?.end();
});

const eventsOf = async (orderingKey: string) =>
  (
    await pool.query<{ type: string; data: Record<string, unknown> }>(
      'SELECT type, data FROM webhook_events WHERE ordering_key = $1 ORDER BY event_seq',
      [orderingKey],
    )
  ).rows;

describe('webhook events from the token inventory', () => {
  it('publishes each change of status once, with the status before, and nothing for a write that changes none', async () => {
    const token = newTokenReference();
    const { cardRef, customerId } = await cardWithTokens(pool, [{ token, status: 'ACTIVE' }]);
    const at = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
    const lifecycle = (status: 'SUSPENDED' | 'ACTIVE', minutes: number) =>
      updateTokenStatus(pool, {
        network: 'MASTERCARD',
        tokenUniqueReference: token,
        status,
        statusTimestamp: at(minutes),
      });
    await lifecycle('SUSPENDED', 1);
    await lifecycle('SUSPENDED', 2); // the same status again
    await lifecycle('ACTIVE', 0); // older than the one kept
    const callback = {
      network: 'MASTERCARD' as const,
      tokenUniqueReference: token,
      customerId,
      cardRef,
      tokenRequestorId: '50110030273',
    };
    await recordTokenStatus(pool, { ...callback, status: 'ACTIVE', statusTimestamp: at(3) });
    await recordTokenStatus(pool, { ...callback, status: 'ACTIVE', statusTimestamp: at(3) }); // a network's retry
    const events = await eventsOf(tokenOrderingKey('MASTERCARD', token));
    expect(events.map((event) => [event.type, event.data.previousStatus, event.data.status])).toEqual([
      ['token.status_changed', 'ACTIVE', 'SUSPENDED'],
      ['token.status_changed', 'SUSPENDED', 'ACTIVE'],
    ]);
    expect(events[1]!.data).toMatchObject({
      customerId,
      cardRef,
      tokenRequestorId: '50110030273',
      tokenUniqueReference: token,
    });
  });

  it("publishes in the writer's transaction: rolled back, there is no event", async () => {
    const token = newTokenReference();
    const { cardRef, customerId } = await cardWithTokens(pool, []);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await recordTokenStatus(client, {
        network: 'VISA',
        tokenUniqueReference: token,
        customerId,
        cardRef,
        tokenRequestorId: '40010030273',
        status: 'ACTIVE',
        statusTimestamp: new Date().toISOString(),
      });
      expect(
        await client.query('SELECT 1 FROM webhook_events WHERE ordering_key = $1', [tokenOrderingKey('VISA', token)]),
      ).toMatchObject({ rowCount: 1 });
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await eventsOf(tokenOrderingKey('VISA', token))).toEqual([]);
  });

  it('refuses an event holding a card number before anything is written', async () => {
    const orderingKey = `token:VISA:${randomUUID()}`;
    await expect(
      publishEvent(pool, { type: 'token.status_changed', orderingKey, data: { reason: `card ${pan} lost` } }),
    ).rejects.toThrow(/holding a card number was refused/);
    await expect(
      publishEvent(pool, { type: 'token.status_changed', orderingKey: `card:${pan}`, data: {} }),
    ).rejects.toThrow(/refused/);
    const { rows } = await pool.query('SELECT 1 FROM webhook_events WHERE ordering_key = $1', [orderingKey]);
    expect(rows).toEqual([]);
    // A token reference is an identifier: digits glued to its letters are never taken for a card number.
    await expect(
      publishEvent(pool, {
        type: 'token.status_changed',
        orderingKey,
        data: { tokenUniqueReference: `DWSPMC${pan}AB` },
      }),
    ).resolves.toMatch(/^[0-9a-f-]{36}$/);
  });
});
