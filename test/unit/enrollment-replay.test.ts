// Recorded histories of the enrollment's paths (recorded by test/servers/enrollment-workflow.test.ts)
// replayed against today's workflow code: a change that breaks determinism fails here, and must go
// behind patched().
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundleEnrollmentWorkflows } from '../../workers/enrollment-worker.js';

const historiesDir = fileURLToPath(new URL('../histories', import.meta.url));

describe('recorded enrollment histories', () => {
  // Traced: with OpenTelemetry's workflow interceptors in the bundle (a worker with tracing on), which add
  // headers to the commands but no command: a history recorded without them replays with them.
  it.each([{ traced: false }, { traced: true }])(
    'replay without nondeterminism on the current workflow code (%o)',
    async ({ traced }) => {
      const files = (await readdir(historiesDir)).filter((file) => file.endsWith('.json')).sort();
      expect(files.length).toBeGreaterThanOrEqual(16);
      const histories = await Promise.all(
        files.map(async (file) => ({
          workflowId: path.basename(file, '.json'),
          history: proto.temporal.api.history.v1.History.fromObject(
            JSON.parse(await readFile(path.join(historiesDir, file), 'utf8')) as object,
          ),
        })),
      );
      const results: { workflowId: string; error?: unknown }[] = [];
      for await (const result of Worker.runReplayHistories(
        {
          workflowBundle: await bundleEnrollmentWorkflows({ traced }),
          // Where the workflows' spans leave (nothing leaves while replaying).
          ...(traced && { sinks: { exporter: { export: { fn: () => undefined } } } }),
        },
        histories,
      )) {
        results.push(result);
      }
      expect(
        results.map(({ workflowId, error }) => [
          workflowId,
          error === undefined ? 'ok' : error instanceof Error ? error.message : 'failed',
        ]),
      ).toEqual(files.map((file) => [path.basename(file, '.json'), 'ok']));
    },
    60_000,
  );
});
