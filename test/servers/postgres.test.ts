// The real PostgreSQL of the test run: migrations and the replay guard.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase } from '../../db/migrate.js';
import { claimSingleUse, purgeExpiredSingleUseValues } from '../../db/replay-guard.js';

let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 25 });
});

afterAll(async () => {
  await pool?.end();
});

const inOneMinute = (): Date => new Date(Date.now() + 60_000);

describe('migrations', () => {
  it('are recorded, and a second run applies nothing', async () => {
    const { rows } = await pool.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY run_on');
    expect(rows.map((row) => row.name)).toContain('1763762400000_single-use-values');
    expect(await migrateDatabase(inject('databaseUrl'))).toEqual([]);
  });
});

describe('the replay guard', () => {
  it('accepts a value once and refuses its replay', async () => {
    const value = { scope: 'auth-proof-jti', value: randomUUID(), expiresAt: inOneMinute() };
    expect(await claimSingleUse(pool, value)).toBe(true);
    expect(await claimSingleUse(pool, value)).toBe(false);
  });

  it('keeps scopes apart', async () => {
    const value = randomUUID();
    expect(await claimSingleUse(pool, { scope: 'mdes-callback', value, expiresAt: inOneMinute() })).toBe(true);
    expect(await claimSingleUse(pool, { scope: 'vts-callback', value, expiresAt: inOneMinute() })).toBe(true);
  });

  it('accepts exactly one of many concurrent claims of the same value', async () => {
    const value = { scope: 'auth-proof-jti', value: randomUUID(), expiresAt: inOneMinute() };
    const outcomes = await Promise.all(Array.from({ length: 20 }, () => claimSingleUse(pool, value)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a value once it has expired', async () => {
    const value = randomUUID();
    const expired = { scope: 'auth-proof-jti', value, expiresAt: new Date(Date.now() - 1_000) };
    expect(await claimSingleUse(pool, expired)).toBe(true);
    expect(await claimSingleUse(pool, { ...expired, expiresAt: inOneMinute() })).toBe(true);

    const other = { scope: 'purge-test', value: randomUUID(), expiresAt: new Date(Date.now() - 1_000) };
    await claimSingleUse(pool, other);
    expect(await purgeExpiredSingleUseValues(pool)).toBeGreaterThanOrEqual(1);
    const left = await pool.query('SELECT 1 FROM single_use_values WHERE scope = $1', ['purge-test']);
    expect(left.rowCount).toBe(0);
  });
});
