// The sandbox stopping while a notification to the issuer is under way (the issuer does not answer): it
// waits for it no longer than the drain deadline, abandons it (the ledger says so) and exits before the
// supervisor's grace period ends, instead of retrying for most of a minute.
import { randomUUID } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { childEnv } from '../../config/env.js';
import { Ledger, type LedgerEntry } from '../../sandbox/network/ledger.js';
import { NetworkState } from '../../sandbox/network/network-state.js';
import { startSandbox, type SandboxName } from '../../sandbox/sandbox.js';
import { drainDeadlineMs } from '../../lifecycle/supervisor-link.js';
import { exitOf, gracePeriodMs, spawnTypeScriptProcess, waitForMessage } from '../../stack/processes.js';
import { freePort } from '../support/free-port.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An issuer that takes every call and never answers; resolves `called` at the first. */
async function silentIssuer(): Promise<{ url: string; called: Promise<void> }> {
  let firstCall!: () => void;
  const called = new Promise<void>((resolve) => (firstCall = resolve));
  const server: Server = createServer(() => firstCall());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, called };
}

/** A sandbox data folder whose MDES ledger remembers one ACTIVE token; its reference. */
async function dataDirWithToken(): Promise<{ dataDir: string; tokenUniqueReference: string }> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-sandbox-shutdown-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const state = new NetworkState(Ledger.open(path.join(dataDir, 'ledger-mdes.jsonl')));
  const now = new Date();
  const receipt = `MCC-${randomUUID()}`;
  const requestId = randomUUID();
  const tokenUniqueReference = `DWSPMC000000000${randomUUID().replaceAll('-', '').toUpperCase()}`;
  state.recordPush({
    requestId,
    tokenRequestorId: '50110030273',
    fingerprint: 'seeded',
    response: {},
    accounts: [
      {
        receipt,
        pushAccountId: randomUUID(),
        tokenRequestorId: '50110030273',
        requestId,
        maskedPan: '520473******4792',
        panSuffix: '4792',
        expiryMonth: '09',
        expiryYear: '31',
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + 600_000).toISOString(),
      },
    ],
    declined: [],
    encryption: 'mdes-jwe',
  });
  const token = {
    tokenUniqueReference,
    panUniqueReference: `FWSPMC000000000${randomUUID().replaceAll('-', '').toUpperCase()}`,
    receipt,
    tokenRequestorId: '50110030273',
    status: 'ACTIVE' as const,
    statusTimestamp: now.toISOString(),
    tokenPanSuffix: '1234',
    accountPanSuffix: '4792',
  };
  state.recordTokenisation({ requestId: randomUUID(), receipt, response: {}, token, decision: 'APPROVED' });
  return { dataDir, tokenUniqueReference };
}

/** Suspends the token: MDES then notifies the issuer, in the background. */
async function suspend(mdesUrl: string, tokenUniqueReference: string): Promise<void> {
  const response = await fetch(`${mdesUrl}/sandbox/tokens/${tokenUniqueReference}/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status: 'SUSPENDED' }),
  });
  expect(response.status).toBe(200);
}

async function notificationAttempts(dataDir: string): Promise<LedgerEntry[]> {
  return (await readFile(path.join(dataDir, 'ledger-mdes.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LedgerEntry)
    .filter((entry) => entry.kind === 'callback' && entry.name === 'notifyTokenUpdated');
}

describe('the sandbox stopping while the issuer does not answer', () => {
  it('waits for a notification under way no longer than the drain deadline, and records it abandoned', async () => {
    const issuer = await silentIssuer();
    const { dataDir, tokenUniqueReference } = await dataDirWithToken();
    const sandbox = await startSandbox({ dataDir, issuerBaseUrl: issuer.url });
    await suspend(sandbox.urls.mdes, tokenUniqueReference);
    await issuer.called;

    const closing = sandbox.close({ drainDeadlineMs: 500 });
    const startedAt = Date.now();
    // Without a deadline it would retry for most of a minute (four calls of up to 10 s, and the waits).
    expect(await Promise.race([closing.then(() => 'closed'), sleep(5_000, 'still waiting')])).toBe('closed');
    expect(Date.now() - startedAt).toBeLessThan(2_000);
    expect(await notificationAttempts(dataDir)).toMatchObject([
      { attempt: 1, error: 'abandoned: the sandbox stopped before the issuer answered' },
    ]);
  });

  it('exits on SIGTERM within the grace period, as npm start stops it', { timeout: 60_000 }, async () => {
    const issuer = await silentIssuer();
    const { dataDir, tokenUniqueReference } = await dataDirWithToken();
    const ports = Object.fromEntries(
      await Promise.all(
        (['SANDBOX_MDES_PORT', 'SANDBOX_VTS_PORT', 'SANDBOX_TR_PORT'] as const).map(
          async (name) => [name, String(await freePort())] as const,
        ),
      ),
    );
    const child = spawnTypeScriptProcess(
      new URL('../../sandbox/main.ts', import.meta.url),
      [],
      childEnv({ ...ports, SANDBOX_DATA_DIR: dataDir, PUSHPROV_DATA_DIR: dataDir, SANDBOX_ISSUER_URL: issuer.url }),
    );
    const exited = exitOf(child);
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    });
    const { urls } = await waitForMessage<{ type: 'ready'; urls: Record<SandboxName, string> }>(
      child,
      'ready',
      'sandbox',
    );
    await suspend(urls.mdes, tokenUniqueReference);
    await issuer.called;

    const startedAt = Date.now();
    child.kill('SIGTERM');
    const status = await Promise.race([exited, sleep(gracePeriodMs, 'still running')]);
    expect(status).toEqual({ code: 0, signal: null });
    const took = Date.now() - startedAt;
    expect(took).toBeGreaterThanOrEqual(drainDeadlineMs - 1_000);
    expect(took).toBeLessThan(gracePeriodMs - 2_000);
    // The deadline and the call's own 10 s timeout end together: either way, no retry follows.
    const attempts = await notificationAttempts(dataDir);
    expect(attempts.map((entry) => entry.attempt)).toEqual([1]);
    expect(String(attempts[0]!.error)).toMatch(/^(abandoned|no answer within 10 s)/);
  });
});
