// The sandbox as an integrator meets it: its ledger masks whatever it records, its knobs say how long
// they live and show no card number, its pages say their charset, and what it echoes is masked.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../sandbox/network/ledger.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

const pan = '4111111111111111';
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('the ledger', () => {
  it('masks a card number in whatever an entry carries, in memory and in its file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-ledger-'));
    try {
      const file = path.join(dir, 'ledger.jsonl');
      const ledger = Ledger.open(file);
      ledger.append('push', { accountHolderName: `Ada ${pan}`, nested: [{ [pan]: '4111 1111 1111 1111' }] });
      const text = `${JSON.stringify(ledger.find())}${await readFile(file, 'utf8')}`;
      expect(text).not.toMatch(/4111.?1111.?1111.?1111/);
      expect(ledger.find()[0]).toMatchObject({ accountHolderName: 'Ada 411111******1111' });
      expect(Ledger.open(file).find()).toEqual(ledger.find());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the knobs', () => {
  it('say that they live in memory, and show a card number set in them masked', async () => {
    const response = await fetch(`${harness.sandbox.urls.vts}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ declines: { accountRanges: [pan] } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('sandbox-knobs')).toMatch(/in memory until the sandbox restarts/);
    const shown = await response.text();
    expect(shown).toContain('411111******1111');
    expect(shown).not.toContain(pan);
    await harness.knobs('vts', { declines: { accountRanges: [] } });
  });

  it('answer a bad knob without echoing a card number', async () => {
    const response = await fetch(`${harness.sandbox.urls.mdes}/sandbox/knobs`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ [pan]: true }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain(pan);
  });
});

describe('what the sandbox echoes', () => {
  it('masks a card number in an unknown path', async () => {
    for (const url of Object.values(harness.sandbox.urls)) {
      const response = await fetch(`${url}/nothing/${pan}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain(pan);
    }
  });

  it("serves the token requestors' pages as UTF-8", async () => {
    const response = await fetch(`${harness.sandbox.urls.tokenRequestors}/tr/50110030273/push/web?x=${pan}`);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).not.toContain(pan);
  });
});
