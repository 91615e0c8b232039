// The issuer's token lifecycle calls at each sandbox network, through the engine's own network adapters
// over HTTP (MDES's token customer service calls, Visa's lifecycle call): a token the network made (a
// wallet's tokenisation, approved by the harness's issuer) suspended, suspended again (already so), resumed,
// deleted; then what the networks refuse, in their own envelopes, read by the engine as typed refusals: a
// deleted token resumed, a token the network does not hold, another token requestor's token. Every call
// is in the network's ledger.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TokenLifecycleRefused, type LifecycleOperation, type LifecycleReason } from '../../domain/token-lifecycle.js';
import {
  otherRequestor,
  sandboxNetworksPerFile,
  walletRequestor,
  type SandboxNetwork,
} from '../support/sandbox-networks.js';

const pans: Record<SandboxNetwork, string> = { mdes: '5306889942833340', vts: '4012888888881881' };

const networks = sandboxNetworksPerFile();

const tokenAt = (network: SandboxNetwork) => networks.tokenAt(network, pans[network]);

const call = (
  network: SandboxNetwork,
  tokenUniqueReference: string,
  operation: LifecycleOperation,
  reason: LifecycleReason = 'LOST',
  tokenRequestorId = walletRequestor,
) =>
  networks.adapters[network].tokenLifecycle({
    tokenUniqueReference,
    tokenRequestorId,
    operation,
    reason,
    comment: 'cardholder called the bank',
    requestedBy: 'operator-7',
    requestId: randomUUID(),
  });

const ledgerOf = (network: SandboxNetwork, kind: string, tokenUniqueReference: string) =>
  networks.harness.ledger(network, { kind, tokenUniqueReference });

describe.each(['mdes', 'vts'] as const)('token lifecycle at %s, through the engine', (network) => {
  it('suspends, suspends again (already so), resumes and deletes a token; each call once in the ledger', async () => {
    const token = await tokenAt(network);
    expect(await call(network, token, 'SUSPEND', 'LOST')).toEqual({ tokenUniqueReference: token, status: 'SUSPENDED' });
    expect((await call(network, token, 'SUSPEND', 'LOST')).status).toBe('SUSPENDED');
    expect((await call(network, token, 'RESUME', 'FOUND')).status).toBe('ACTIVE');
    expect((await call(network, token, 'DELETE', 'ACCOUNT_CLOSED')).status).toBe('DEACTIVATED');
    const shown = (await (await fetch(`${networks.harness.sandbox.urls[network]}/sandbox/tokens/${token}`)).json()) as {
      status: string;
    };
    expect(shown.status).toBe('DEACTIVATED');
    const calls = await ledgerOf(network, 'token.lifecycle', token);
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
