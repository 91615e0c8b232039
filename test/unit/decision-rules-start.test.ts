// A rules file that cannot be used stops the API before it opens anything, naming the file, the rule (its
// position and name) and what is wrong; the process exits non-zero.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { projectRoot } from '../../config/env.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-rules-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('refuses to start, naming the rule', { timeout: 30_000 }, async () => {
  const file = path.join(dir, 'rules.json');
  await writeFile(
    file,
    JSON.stringify({
      version: 'broken',
      rules: [
        { name: 'fine', when: { source: ['MANUAL_ENTRY'] }, then: 'YELLOW', reason: 'TYPED' },
        { name: 'too-strict', when: { deviceScore: { below: 7 } }, then: 'RED', reason: 'DEVICE' },
      ],
    }),
  );
  const started = promisify(execFile)(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
    cwd: projectRoot,
    env: { ...process.env, DECISION_RULES_FILE: file, NODE_ENV: 'development', API_PORT: '1' },
    timeout: 25_000,
  });
  const failure = (await started.then(
    () => undefined,
    (error: unknown) => error,
  )) as { code?: number; stderr?: string } | undefined;
  expect(failure?.code).toBe(1);
  expect(failure?.stderr).toContain(`The API cannot start: ${file}: rule 2 "too-strict", when.deviceScore.below`);
});
