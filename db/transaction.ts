/**
 * Several statements as one: on the pool, a client of it inside BEGIN / COMMIT (ROLLBACK on failure); on a
 * client the caller already holds, the statements run on it, inside whatever transaction the caller began.
 */
import pg from 'pg';
import type { Queryable } from './queryable.js';

export async function inTransaction<T>(db: Queryable, work: (client: Queryable) => Promise<T>): Promise<T> {
  if (!(db instanceof pg.Pool)) return work(db);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
