import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MissingToolError,
  ensureTemporalCli,
  ensureTimeSkippingTestServer,
  temporalCliPath,
} from '../../stack/toolchain.js';

let cacheDir: string;
let savedPath: string | undefined;

beforeEach(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'pushprov-toolchain-'));
  savedPath = process.env.PATH;
  process.env.PATH = path.join(cacheDir, 'no-tools-here');
});

afterEach(async () => {
  process.env.PATH = savedPath;
  await rm(cacheDir, { recursive: true, force: true });
});

describe('the toolchain on a machine without the build tools', () => {
  it('names Go as what is missing for the Temporal CLI, and leaves nothing half-built', async () => {
    const attempt = ensureTemporalCli(cacheDir, () => undefined);
    await expect(attempt).rejects.toThrow(MissingToolError);
    await expect(ensureTemporalCli(cacheDir, () => undefined)).rejects.toThrow('`go` is not on PATH');
    expect(existsSync(temporalCliPath(cacheDir))).toBe(false);
  });

  it('names Java as what is missing for the time-skipping test server', async () => {
    await expect(ensureTimeSkippingTestServer(cacheDir, () => undefined)).rejects.toThrow('`java` is not on PATH');
  });
});
