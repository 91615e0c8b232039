/** Keeps a finished enrollment's history for the replay test (test/unit/enrollment-replay), once per name. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const historiesDir = fileURLToPath(new URL('../histories', import.meta.url));

/** Writes the history once; delete the file to record it again after a workflow change. */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  const file = path.join(historiesDir, `enrollment-${name}.json`);
  if (existsSync(file)) return;
  await handle.result().catch(() => undefined);
  await mkdir(historiesDir, { recursive: true });
  const history = proto.temporal.api.history.v1.History.fromObject(await handle.fetchHistory());
  await writeFile(file, `${JSON.stringify(history.toJSON(), null, 1)}\n`);
}
