// The dev inbox's long poll on the real PostgreSQL of the test run: a reader waiting for its code is woken by
// the delivery's NOTIFY (no polling), all of a process's readers share one LISTEN connection, at most so many
// wait at once, and closing answers them all and ends the connection.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deliverToDevInbox, DevInboxWaits, DevInboxWaitsFull } from '../../db/dev-inbox.js';
import { closeAfterEach } from '../support/close-after-each.js';

let pool: pg.Pool;
const closing = closeAfterEach();

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 5 });
});

afterAll(async () => {
  await pool?.end();
});

function waitsOf(maxWaiters = 100): { waits: DevInboxWaits; applicationName: string } {
  const applicationName = `dev-inbox-test-${randomUUID().slice(0, 8)}`;
  const waits = new DevInboxWaits(pool, { connectionString: inject('databaseUrl'), maxWaiters, applicationName });
  return { waits: closing(waits), applicationName };
}

function deliver(customerId: string, enrollmentId = `enrollment-${randomUUID()}`, sequence = 1): Promise<void> {
  return deliverToDevInbox(pool, {
    customerId,
    channel: 'SMS',
    enrollmentId,
    sequence,
    message: 'Your code is 123456',
    validityMinutes: 10,
  });
}

async function listenConnections(applicationName: string): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(
    'SELECT count(*) FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return Number(rows[0]!.count);
}

const timed = async <T>(work: Promise<T>): Promise<{ value: T; ms: number }> => {
  const started = performance.now();
  const value = await work;
  return { value, ms: performance.now() - started };
};

describe('waiting on the dev inbox', () => {
  it('answers as the code is delivered, long before the wait ends', async () => {
    const { waits } = waitsOf();
    const customer = `ada-${randomUUID()}`;
    const waiting = timed(waits.latest(customer, { waitSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await deliver(customer);
    const { value, ms } = await waiting;
    expect(value.map(({ message }) => message)).toEqual(['Your code is 123456']);
    expect(ms).toBeLessThan(5_000);
  });

  it('answers at once when a message is there, and with none once the wait has passed', async () => {
    const { waits } = waitsOf();
    const customer = `grace-${randomUUID()}`;
    await deliver(customer);
    expect((await timed(waits.latest(customer, { waitSeconds: 20 }))).ms).toBeLessThan(2_000);
    const nobody = await timed(waits.latest(`nobody-${randomUUID()}`, { waitSeconds: 1 }));
    expect(nobody.value).toEqual([]);
    expect(nobody.ms).toBeGreaterThanOrEqual(950);
  });

  it('with `after`, waits for a message sent after it; a delivery retried (no new message) wakes nobody', async () => {
    const { waits } = waitsOf();
    const customer = `alan-${randomUUID()}`;
    const enrollment = `enrollment-${randomUUID()}`;
    await deliver(customer, enrollment, 1);
    const [first] = await waits.latest(customer, { waitSeconds: 0 });
    const retried = timed(waits.latest(customer, { waitSeconds: 1, after: first!.sentAt }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await deliver(customer, enrollment, 1);
    expect((await retried).ms).toBeGreaterThanOrEqual(950);
    const resent = timed(waits.latest(customer, { waitSeconds: 20, after: first!.sentAt }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await deliver(customer, enrollment, 2);
    const { value, ms } = await resent;
    expect(value).toHaveLength(2);
    expect(ms).toBeLessThan(5_000);
  });

  it('shares one LISTEN connection among its waiters, takes at most so many, and closes cleanly', async () => {
    const { waits, applicationName } = waitsOf(3);
    const customers = [1, 2, 3].map((n) => `waiter-${n}-${randomUUID()}`);
    const waiting = customers.map((customer) => timed(waits.latest(customer, { waitSeconds: 20 })));
    await expect.poll(() => waits.waiterCount).toBe(3);
    await expect.poll(() => listenConnections(applicationName)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await listenConnections(applicationName)).toBe(1);
    await expect(waits.latest(`one-too-many-${randomUUID()}`, { waitSeconds: 20 })).rejects.toBeInstanceOf(
      DevInboxWaitsFull,
    );
    await deliver(customers[0]!);
    expect((await waiting[0]!).value).toHaveLength(1);

    await waits.close();
    const answered = await Promise.all(waiting.slice(1));
    expect(answered.map(({ value, ms }) => ({ value, quick: ms < 5_000 }))).toEqual([
      { value: [], quick: true },
      { value: [], quick: true },
    ]);
    expect(waits.waiterCount).toBe(0);
    await expect.poll(() => listenConnections(applicationName)).toBe(0);
    // Closed: a reader is answered at once, without listening again.
    expect((await timed(waits.latest(customers[1]!, { waitSeconds: 20 }))).ms).toBeLessThan(2_000);
    expect(await listenConnections(applicationName)).toBe(0);
  });
});
