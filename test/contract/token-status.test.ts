// The issuer's token status inquiry at each sandbox network, through the engine's own network adapters over
// HTTP (MDES's Customer Service search, Visa's token inquiry): a token the network made is ACTIVE, then
// whatever status the network moved it to behind the issuer's back (no notification); a token the network
// does not hold, or another token requestor's at Visa, is not known; each inquiry is in the network's ledger
// as `token.status.query`. A malformed search is refused in MDES's own envelope.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardNetworkAdapter } from '../../activities/networks/card-network.js';
import { MdesClient } from '../../activities/networks/mdes/client.js';
import { mdesNetwork } from '../../activities/networks/mdes/mdes-network.js';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { vtsNetwork } from '../../activities/networks/vts/vts-network.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

type Network = 'mdes' | 'vts';
const wallet = '50110030273';
const pans: Record<Network, string> = { mdes: '5306889942833340', vts: '4012888888881881' };

let harness: Harness;
let adapters: Record<Network, CardNetworkAdapter>;
let mdesClient: MdesClient;

beforeAll(async () => {
  harness = await startHarness();
  mdesClient = new MdesClient(harness.credentials, { timeoutMs: 5_000 });
  adapters = {
    mdes: mdesNetwork(mdesClient),
    vts: vtsNetwork(new VtsClient(harness.credentials, { timeoutMs: 5_000 })),
  };
});

afterAll(async () => {
  await harness?.close();
});

const statusOf = (network: Network, tokenUniqueReference: string, tokenRequestorId = wallet) =>
  adapters[network].tokenStatus({ tokenUniqueReference, tokenRequestorId, requestedBy: 'pushprov-reconciliation' });

/** The sandbox's admin call: the token moved at the network, the issuer not told. */
async function moveSilently(network: Network, tokenUniqueReference: string, status: string): Promise<void> {
  const response = await fetch(`${harness.sandbox.urls[network]}/sandbox/tokens/${tokenUniqueReference}/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ status, notify: false }),
  });
  expect(response.status).toBe(200);
}

async function inquiries(network: Network, tokenUniqueReference: string): Promise<Record<string, unknown>[]> {
  const query = new URLSearchParams({ kind: 'token.status.query', tokenUniqueReference });
  const body = (await (await fetch(`${harness.sandbox.urls[network]}/sandbox/ledger?${query.toString()}`)).json()) as {
    entries: Record<string, unknown>[];
  };
  return body.entries;
}

describe.each(['mdes', 'vts'] as const)('token status inquiry at %s, through the engine', (network) => {
  it("answers a token's status as the network holds it, and not known for one it does not hold", async () => {
    const made = await harness.sandbox.tokeniseWithAccount[network]({
      requestId: randomUUID(),
      tokenRequestorId: wallet,
      account: { accountNumber: pans[network], expiryMonth: 9, expiryYear: 2031 },
    });
    if (made.outcome !== 'decided' || !made.token) throw new Error(`no token: ${JSON.stringify(made)}`);
    const token = made.token.tokenUniqueReference;

    expect(await statusOf(network, token)).toEqual({ known: true, status: 'ACTIVE' });
    await moveSilently(network, token, 'SUSPENDED');
    expect(await statusOf(network, token)).toEqual({ known: true, status: 'SUSPENDED' });
    await moveSilently(network, token, 'DEACTIVATED');
    expect(await statusOf(network, token)).toEqual({ known: true, status: 'DEACTIVATED' });
    expect(await statusOf(network, `unknown${randomUUID().replaceAll('-', '')}`)).toEqual({ known: false });

    const ledgered = await inquiries(network, token);
    expect(ledgered.map((entry) => [entry.found, entry.status])).toEqual([
      [true, 'ACTIVE'],
      [true, 'SUSPENDED'],
      [true, 'DEACTIVATED'],
    ]);
    // The issuer was not called back for a change made without notifying.
    const told = harness.received.filter((callback) => {
      const text = JSON.stringify(callback.payload);
      return text.includes(token) && /SUSPENDED|DEACTIVATED/.test(text);
    });
    expect(told).toEqual([]);
  });
});

describe('token status inquiry, refusals', () => {
  it("Visa does not know another token requestor's token", async () => {
    const made = await harness.sandbox.tokeniseWithAccount.vts({
      requestId: randomUUID(),
      tokenRequestorId: wallet,
      account: { accountNumber: pans.vts, expiryMonth: 9, expiryYear: 2031 },
    });
    if (made.outcome !== 'decided' || !made.token) throw new Error('no token');
    expect(await statusOf('vts', made.token.tokenUniqueReference, '50120041835')).toEqual({ known: false });
  });

  it('MDES refuses a malformed search with its business error envelope', async () => {
    await expect(
      mdesClient.customerService('search', { SearchRequest: { TokenUniqueReference: 'not a reference!' } }),
    ).rejects.toMatchObject({ type: 'NetworkRejectedRequest', message: /MDES refused search/ });
  });
});
