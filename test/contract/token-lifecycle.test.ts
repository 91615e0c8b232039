// The issuer's token lifecycle calls at each sandbox network, through the engine's own network adapters
// over HTTP (MDES's token customer service calls, Visa's lifecycle call): a token the network made (a
// wallet's tokenisation, approved by the harness's issuer) suspended, suspended again (already so), resumed,
// deleted; then what the networks refuse, in their own envelopes, read by the engine as typed refusals: a
// deleted token resumed, a token the network does not hold, another token requestor's token. Every call
// is in the network's ledger.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CardNetworkAdapter } from '../../activities/networks/card-network.js';
import { MdesClient } from '../../activities/networks/mdes/client.js';
import { mdesNetwork } from '../../activities/networks/mdes/mdes-network.js';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { vtsNetwork } from '../../activities/networks/vts/vts-network.js';
import { TokenLifecycleRefused, type LifecycleOperation, type LifecycleReason } from '../../domain/token-lifecycle.js';
import { startHarness, type Harness } from '../support/sandbox-harness.js';

type Network = 'mdes' | 'vts';
const wallet = '50110030273';
const otherRequestor = '50120041835';
const pans: Record<Network, string> = { mdes: '5306889942833340', vts: '4012888888881881' };

let harness: Harness;
let adapters: Record<Network, CardNetworkAdapter>;

beforeAll(async () => {
  harness = await startHarness();
  adapters = {
    mdes: mdesNetwork(new MdesClient(harness.credentials, { timeoutMs: 5_000 })),
    vts: vtsNetwork(new VtsClient(harness.credentials, { timeoutMs: 5_000 })),
  };
});

afterAll(async () => {
  await harness?.close();
});

/** A new token at the network: a wallet's tokenisation of a card named by itself, approved by the issuer. */
async function tokenAt(network: Network, pan = pans[network]): Promise<string> {
  const result = await harness.sandbox.tokeniseWithAccount[network]({
    requestId: randomUUID(),
    tokenRequestorId: wallet,
    account: { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 },
  });
  if (result.outcome !== 'decided' || !result.token) throw new Error(`no token: ${JSON.stringify(result)}`);
  return result.token.tokenUniqueReference;
}

const call = (
  network: Network,
  tokenUniqueReference: string,
  operation: LifecycleOperation,
  reason: LifecycleReason = 'LOST',
  tokenRequestorId = wallet,
) =>
  adapters[network].tokenLifecycle({
    tokenUniqueReference,
    tokenRequestorId,
    operation,
    reason,
    comment: 'cardholder called the bank',
    requestedBy: 'operator-7',
    requestId: randomUUID(),
  });

async function ledgerOf(network: Network, kind: string, tokenUniqueReference: string): Promise<object[]> {
  const url = `${harness.sandbox.urls[network]}/sandbox/ledger?${new URLSearchParams({ kind, tokenUniqueReference }).toString()}`;
  const body = (await (await fetch(url)).json()) as { entries?: object[] } | object[];
  return Array.isArray(body) ? body : (body.entries ?? []);
}

describe.each(['mdes', 'vts'] as const)('token lifecycle at %s, through the engine', (network) => {
  it('suspends, suspends again (already so), resumes and deletes a token; each call once in the ledger', async () => {
    const token = await tokenAt(network);
    expect(await call(network, token, 'SUSPEND', 'LOST')).toEqual({ tokenUniqueReference: token, status: 'SUSPENDED' });
    expect((await call(network, token, 'SUSPEND', 'LOST')).status).toBe('SUSPENDED');
    expect((await call(network, token, 'RESUME', 'FOUND')).status).toBe('ACTIVE');
    expect((await call(network, token, 'DELETE', 'ACCOUNT_CLOSED')).status).toBe('DEACTIVATED');
    const shown = (await (await fetch(`${harness.sandbox.urls[network]}/sandbox/tokens/${token}`)).json()) as {
      status: string;
    };
    expect(shown.status).toBe('DEACTIVATED');
    const calls = (await ledgerOf(network, 'token.lifecycle', token)) as { operation: string; already: boolean }[];
    expect(calls.map((entry) => [entry.operation, entry.already])).toEqual([
      ['SUSPEND', false],
      ['SUSPEND', true],
      ['RESUME', false],
      ['DELETE', false],
    ]);
  });

  it('refuses to resume a deleted token, naming its status; a token it does not hold is not found', async () => {
    const token = await tokenAt(network);
    await call(network, token, 'DELETE', 'STOLEN');
    const resumed = call(network, token, 'RESUME', 'FOUND');
    await expect(resumed).rejects.toBeInstanceOf(TokenLifecycleRefused);
    await expect(resumed).rejects.toMatchObject({ reason: 'STATE_CONFLICT', message: /DEACTIVATED/ });
    await expect(call(network, `unknown${randomUUID().replaceAll('-', '')}`, 'SUSPEND')).rejects.toMatchObject({
      reason: 'TOKEN_NOT_FOUND',
    });
    expect(await ledgerOf(network, 'token.lifecycle.refused', token)).toHaveLength(1);
  });
});

describe('token lifecycle at Visa', () => {
  it("refuses a call naming another token requestor than the token's", async () => {
    const token = await tokenAt('vts');
    await expect(call('vts', token, 'SUSPEND', 'FRAUD_SUSPECTED', otherRequestor)).rejects.toMatchObject({
      reason: 'TOKEN_NOT_FOUND',
    });
  });
});
