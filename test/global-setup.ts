/**
 * Once per test run, for the server tests: the Temporal toolchain (built on first use, then cached) and a
 * fresh database: a new database on DATABASE_URL's server when set, otherwise a new embedded cluster.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { parseEnv } from '../config/env.js';
import { migrateDatabase } from '../db/migrate.js';
import { startEmbeddedPostgres } from '../stack/postgres.js';
import { ensureToolchain } from '../stack/toolchain.js';
import { freePort } from './support/free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    temporalCliPath: string;
    timeSkippingTestServerPath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = parseEnv();
  const toolchain = await ensureToolchain(env.PUSHPROV_CACHE_DIR, (line) => console.log(`[toolchain] ${line}`));
  project.provide('temporalCliPath', toolchain.temporalCli);
  project.provide('timeSkippingTestServerPath', toolchain.timeSkippingTestServer);

  const database = env.DATABASE_URL ? await createDatabaseOn(env.DATABASE_URL) : await startFreshCluster();
  try {
    await migrateDatabase(database.url);
  } catch (error) {
    await database.dispose();
    throw error;
  }
  project.provide('databaseUrl', database.url);
  return database.dispose;
}

interface TestDatabase {
  url: string;
  dispose: () => Promise<void>;
}

async function createDatabaseOn(serverUrl: string): Promise<TestDatabase> {
  const name = `pushprov_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(serverUrl, (admin) => admin.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    dispose: () => asAdmin(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function asAdmin(serverUrl: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

async function startFreshCluster(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-test-pg-'));
  await chmod(dir, 0o755); // the postgres account runs the server when the tests run as root
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'cluster'),
    passwordFile: path.join(dir, 'password'),
    port: await freePort(),
    database: 'pushprov_test',
  });
  return {
    url: postgres.url,
    dispose: async () => {
      await postgres.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
