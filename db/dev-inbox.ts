/**
 * The demo notification channel: the one-time code messages a developer reads in the dev inbox, and the
 * waits on it (a NOTIFY with each message, one LISTEN connection per process), so that a reader waiting
 * for its code does not poll.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Queryable } from './queryable.js';

export interface DevInboxMessage {
  message: string;
  sentAt: Date;
}

/** The NOTIFY channel; its payload is the customer id the message went to. */
const devInboxChannel = 'dev_inbox';

/**
 * Delivers the message for this send of this enrollment (its sequence), kept until it expires; delivering
 * the same send again (a retried activity) leaves the first message alone. The waiters of that customer
 * are notified in the same statement, so at its commit, and only when a message was added.
 */
export async function deliverToDevInbox(
  db: Queryable,
  delivery: {
    customerId: string;
    channel: string;
    enrollmentId: string;
    sequence: number;
    message: string;
    validityMinutes: number;
  },
): Promise<void> {
  await db.query(
    `WITH delivered AS (
       INSERT INTO dev_inbox (customer_id, channel, enrollment_id, sequence, message, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(mins => $6))
       ON CONFLICT (enrollment_id, sequence) DO NOTHING
       RETURNING customer_id
     )
     SELECT pg_notify('${devInboxChannel}', customer_id) FROM delivered`,
    [
      delivery.customerId,
      delivery.channel,
      delivery.enrollmentId,
      delivery.sequence,
      delivery.message,
      delivery.validityMinutes,
    ],
  );
}

/** The customer's latest messages, newest first. */
export async function latestDevInboxMessages(
  db: Queryable,
  customerId: string,
  limit = 20,
): Promise<DevInboxMessage[]> {
  const { rows } = await db.query<{ message: string; created_at: Date }>(
    'SELECT message, created_at FROM dev_inbox WHERE customer_id = $1 ORDER BY id DESC LIMIT $2',
    [customerId, limit],
  );
  return rows.map((row) => ({ message: row.message, sentAt: row.created_at }));
}

/** How long closing waits for the LISTEN connection to end. */
const closeTimeoutMs = 1_000;

/** More readers wait on the inbox than the process takes: the caller should try again shortly. */
export class DevInboxWaitsFull extends Error {
  constructor(readonly maxWaiters: number) {
    super(`${maxWaiters} readers already wait on the development inbox`);
    this.name = 'DevInboxWaitsFull';
  }
}

/**
 * A process's waits on the dev inbox: one LISTEN connection (opened by the first wait) shared by every
 * waiter, at most `maxWaiters` of them at once. A notification wakes the waiters of its customer, who then
 * read the inbox; a lost connection wakes them all (they read, and the next wait listens again). Closing
 * answers every waiter at once and ends the connection.
 */
export class DevInboxWaits {
  private readonly waiters = new Map<string, Set<() => void>>();
  private waiting = 0;
  private listener: Promise<pg.Client> | undefined;
  private closed = false;

  constructor(
    private readonly db: Queryable,
    private readonly options: { connectionString: string; maxWaiters: number; applicationName?: string },
  ) {}

  /**
   * The customer's latest messages, once one sent after `after` (any, without it) is there, or once
   * `waitSeconds` have passed: then whatever is there.
   */
  async latest(customerId: string, wait: { waitSeconds: number; after?: Date }): Promise<DevInboxMessage[]> {
    const { after } = wait;
    const fresh = (messages: DevInboxMessage[]): boolean =>
      messages.some((message) => !after || message.sentAt > after);
    if (wait.waitSeconds <= 0 || this.closed) return latestDevInboxMessages(this.db, customerId);
    if (this.waiting >= this.options.maxWaiters) throw new DevInboxWaitsFull(this.options.maxWaiters);
    this.waiting += 1;
    let wake = (): void => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let timer: NodeJS.Timeout | undefined;
    try {
      if (!(await this.listening())) return await latestDevInboxMessages(this.db, customerId);
      // Listening before reading: a message delivered between the read and the wait still wakes it.
      this.waitersOf(customerId).add(wake);
      const now = await latestDevInboxMessages(this.db, customerId);
      if (fresh(now) || this.closed) return now;
      timer = setTimeout(wake, wait.waitSeconds * 1_000);
      await woken;
      return await latestDevInboxMessages(this.db, customerId);
    } finally {
      clearTimeout(timer);
      this.waiting -= 1;
      const waiters = this.waiters.get(customerId);
      waiters?.delete(wake);
      if (waiters?.size === 0) this.waiters.delete(customerId);
    }
  }

  /** How many readers wait now. */
  get waiterCount(): number {
    return this.waiting;
  }

  /** Every waiter answers now; later reads answer at once; the LISTEN connection ends. */
  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const listener = this.listener;
    this.listener = undefined;
    const client = await listener?.catch(() => undefined);
    // A server that no longer answers must not hold up the process's shutdown.
    if (client)
      await Promise.race([client.end().catch(() => undefined), sleep(closeTimeoutMs, undefined, { ref: false })]);
  }

  private waitersOf(customerId: string): Set<() => void> {
    let waiters = this.waiters.get(customerId);
    if (!waiters) this.waiters.set(customerId, (waiters = new Set()));
    return waiters;
  }

  private wakeAll(): void {
    for (const waiters of this.waiters.values()) for (const wake of waiters) wake();
  }

  /** The LISTEN connection, opened by the first wait; none once closed. */
  private async listening(): Promise<pg.Client | undefined> {
    if (this.closed) return undefined;
    this.listener ??= this.listen();
    return this.listener;
  }

  private listen(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName ?? 'pushprov-dev-inbox',
    });
    const lost = (): void => {
      if (this.listener === attempt) this.listener = undefined;
      this.wakeAll();
    };
    client.on('notification', ({ channel, payload }) => {
      if (channel !== devInboxChannel || payload === undefined) return;
      for (const wake of this.waiters.get(payload) ?? []) wake();
    });
    client.on('error', lost);
    client.on('end', lost);
    const attempt = (async () => {
      await client.connect();
      await client.query(`LISTEN ${devInboxChannel}`);
      return client;
    })();
    attempt.catch(() => {
      if (this.listener === attempt) this.listener = undefined;
      void client.end().catch(() => undefined);
    });
    return attempt;
  }
}
