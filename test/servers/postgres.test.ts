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

  it('refuses a value whose validity has already passed, and keeps no trace of it', async () => {
    const stale = { scope: 'auth-proof-jti', value: randomUUID(), expiresAt: new Date(Date.now() - 1_000) };
    expect(await claimSingleUse(pool, stale)).toBe(false);
    const rows = await pool.query('SELECT 1 FROM single_use_values WHERE value = $1', [stale.value]);
    expect(rows.rowCount).toBe(0);
  });

  it('accepts a value again once its earlier claim has expired, and purges expired claims', async () => {
    const value = randomUUID();
    // A claim made earlier whose validity has since passed.
    await pool.query(
      `INSERT INTO single_use_values (scope, value, expires_at) VALUES ('mdes-callback', $1, now() - interval '1 second')`,
      [value],
    );
    expect(await claimSingleUse(pool, { scope: 'mdes-callback', value, expiresAt: inOneMinute() })).toBe(true);
    expect(await claimSingleUse(pool, { scope: 'mdes-callback', value, expiresAt: inOneMinute() })).toBe(false);

    await pool.query(
      `INSERT INTO single_use_values (scope, value, expires_at) VALUES ('purge-test', $1, now() - interval '1 second')`,
      [randomUUID()],
    );
    expect(await purgeExpiredSingleUseValues(pool)).toBeGreaterThanOrEqual(1);
    const left = await pool.query('SELECT 1 FROM single_use_values WHERE scope = $1', ['purge-test']);
    expect(left.rowCount).toBe(0);
    const kept = await pool.query('SELECT 1 FROM single_use_values WHERE value = $1', [value]);
    expect(kept.rowCount).toBe(1);
  });
});
