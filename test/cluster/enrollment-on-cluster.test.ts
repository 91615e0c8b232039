// `npm run start:cluster`: the engine on a real Temporal server (built from the Go module proxy, on the
// stack's PostgreSQL, its schema set up by temporal-sql-tool) with two worker processes. A consumer's whole
// enrollment completes through it, and its history is in PostgreSQL, not in a dev server's SQLite file.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../config/env.js';
import { ensureTemporalServer, temporalServerVersion } from '../../stack/temporal-server-build.js';
import { ensureTemporalCli } from '../../stack/toolchain.js';
import { eventually } from '../support/eventually.js';
import { enrolGrace } from '../support/local-stack-journey.js';
import { prepareLocalStack, type LocalStack } from '../support/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  // Built once per machine (minutes on 2 cores), then found in the cache.
  const { PUSHPROV_CACHE_DIR } = parseEnv();
  const log = (line: string): void => console.log(`[toolchain] ${line}`);
  await ensureTemporalCli(PUSHPROV_CACHE_DIR, log);
  await ensureTemporalServer(PUSHPROV_CACHE_DIR, log);
  stack = await prepareLocalStack({ startTimeoutMs: 240_000 });
});

afterAll(async () => {
  await stack?.dispose();
});

/** The demo customer's card on file, the code from the development inbox, the token requestor's button. */
function enrolThroughTheApi(): Promise<{ id: string; status: string; cards: { state: string }[] }> {
  return enrolGrace(stack, 60_000);
}

/** The rows Temporal keeps of a workflow in the stack's PostgreSQL: its mutable state and its visibility record. */
async function rowsOf(workflowId: string): Promise<{ executions: number; visibilityStatus: number[] }> {
  const password = (await readFile(path.join(stack.dataDir, 'postgres.password'), 'utf8')).trim();
  const query = async <T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: stack.ports.postgres,
      user: 'postgres',
      password,
      database,
    });
    await client.connect();
    try {
      return (await client.query<T>(sql, [workflowId])).rows;
    } finally {
      await client.end();
    }
  };
  const executions = await query<{ count: string }>(
    'temporal',
    'SELECT count(*) FROM executions WHERE workflow_id = $1',
  );
  const visibility = await query<{ status: number }>(
    'temporal_visibility',
    'SELECT status FROM executions_visibility WHERE workflow_id = $1',
  );
  return { executions: Number(executions[0]!.count), visibilityStatus: visibility.map((row) => row.status) };
}

describe('npm run start:cluster', () => {
  it('runs a whole enrollment on the Temporal server with PostgreSQL persistence and two workers', async () => {
    const { process: started, output } = await stack.start(['run', 'start:cluster', '--', '--workers', '2']);
    expect(output()).toMatch(/started Temporal server \(pid \d+\)/);
    expect(output()).toMatch(/started worker 1 \(pid \d+\)/);
    expect(output()).toMatch(/started worker 2 \(pid \d+\)/);
    const running = (await stack.processes()).join('\n');
    expect(running).toContain('temporal-server');
    expect(running).not.toContain('start-dev');
    expect(running.match(/workers\/main\.ts/g)).toHaveLength(2);

    const connection = await Connection.connect({ address: stack.temporalAddress });
    try {
      // The server says what it is: the real one, on PostgreSQL (the dev server answers sqlite).
      const info = await connection.workflowService.getClusterInfo({});
      expect(info.serverVersion).toBe(temporalServerVersion);
      expect(info.persistenceStore).toBe('postgres12');
      expect(info.visibilityStore).toBe('postgres12');
      // Both worker processes poll the enrollment task queue.
      const pollers = () =>
        connection.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: stack.taskQueue },
          taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
      const identities = (found: Awaited<ReturnType<typeof pollers>>) =>
        new Set(found.pollers?.map((poller) => poller.identity));
      await eventually(pollers, (found) => identities(found).size === 2, 'two workers polling');
    } finally {
      await connection.close();
    }

    const enrollment = await enrolThroughTheApi();
    expect(enrollment.status).toBe('COMPLETED');
    expect(enrollment.cards.map((card) => card.state)).toEqual(['ACTIVE']);
    const rows = await eventually(
      () => rowsOf(enrollment.id),
      (found) => found.visibilityStatus.includes(2),
      'the closed workflow in temporal_visibility',
    );
    expect(rows.executions).toBe(1);
    expect(rows.visibilityStatus).toEqual([2]); // WORKFLOW_EXECUTION_STATUS_COMPLETED

    await stack.ctrlC(started);
    expect(await stack.processes()).toEqual([]);
    expect(output()).toMatch(
      /stopped API[\s\S]*stopped worker[\s\S]*stopped worker[\s\S]*stopped Temporal server[\s\S]*stopped PostgreSQL/,
    );
    expect(output()).not.toMatch(/could not stop|exited unexpectedly|did not stop within/);
  }, 480_000);
});
