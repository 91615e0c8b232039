// A replaced card told to each sandbox network through the engine's own network adapters over HTTP (MDES's
// token update, Visa's PAN lifecycle call): a wallet's token moved to the new card (same reference, the new
// last four), the same request id applied once, and what the networks refuse in their own envelopes, read by
// the engine as typed refusals: a new card failing the Luhn check or outside the network's range, a token the
// network does not hold, a deleted token. The new card's number is nowhere in the ledger.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CardReplacementRefused } from '../../domain/card-replacement.js';
import {
  otherRequestor,
  sandboxNetworksPerFile,
  walletRequestor,
  type SandboxNetwork,
} from '../support/sandbox-networks.js';
import { newPan } from '../support/wallet-customers.js';

const bins: Record<SandboxNetwork, string> = { mdes: '530688', vts: '401288' };

const networks = sandboxNetworksPerFile();

const tokenAt = (network: SandboxNetwork) => networks.tokenAt(network, newPan(bins[network]));

const replace = (
  network: SandboxNetwork,
  tokenUniqueReference: string,
  pan: string,
  more: { requestId?: string; tokenRequestorId?: string } = {},
) =>
  networks.adapters[network].replaceCard(
    {
      tokenUniqueReference,
      tokenRequestorId: more.tokenRequestorId ?? walletRequestor,
      newCard: { pan, expiryMonth: 11, expiryYear: 2033 },
      comment: 'card reissued after a loss',
      requestedBy: 'agent-7',
      requestId: more.requestId ?? randomUUID(),
    },
    networks.harness.credentials,
  );

const ledger = (network: SandboxNetwork, filter: Record<string, string> = {}) =>
  networks.harness.ledger(network, filter);

const shown = async (network: SandboxNetwork, token: string) =>
  (await (await fetch(`${networks.harness.sandbox.urls[network]}/sandbox/tokens/${token}`)).json()) as {
    status: string;
    accountPanSuffix?: string;
  };

describe.each(['mdes', 'vts'] as const)('a replaced card at %s, through the engine', (network) => {
  it('moves the token to the new card (same reference, new last four), a repeated request id applied once', async () => {
    const token = await tokenAt(network);
    const pan = newPan(bins[network]);
    const requestId = randomUUID();
    const moved = await replace(network, token, pan, { requestId });
    expect(moved).toEqual({ tokenUniqueReference: token, status: 'ACTIVE', accountPanSuffix: pan.slice(-4) });
    expect(await replace(network, token, pan, { requestId })).toEqual(moved);
    expect(await shown(network, token)).toMatchObject({ status: 'ACTIVE', accountPanSuffix: pan.slice(-4) });
    const applied = await ledger(network, { kind: 'token.card.replaced', tokenUniqueReference: token });
    expect(applied).toHaveLength(1);
    expect(applied[0]).toMatchObject({ requestId, accountPanSuffix: pan.slice(-4), expiryMonth: 11 });
    expect(await ledger(network, { kind: 'token.card.replaced.replayed', tokenUniqueReference: token })).toHaveLength(
      1,
    );
    expect(JSON.stringify(await ledger(network))).not.toContain(pan);
  });

  it('refuses a new card failing the Luhn check or outside its range, an unknown token and a deleted one', async () => {
    const token = await tokenAt(network);
    const pan = newPan(bins[network]);
    const notLuhn = `${pan.slice(0, -1)}${(Number(pan.at(-1)) + 1) % 10}`;
    await expect(replace(network, token, notLuhn)).rejects.toMatchObject({ reason: 'CARD_REFUSED', message: /Luhn/ });
    const otherBrand = newPan(network === 'mdes' ? '401288' : '530688');
    await expect(replace(network, token, otherBrand)).rejects.toMatchObject({
      reason: 'CARD_REFUSED',
      message: /range/,
    });
    await expect(replace(network, `unknown${randomUUID().replaceAll('-', '')}`, pan)).rejects.toBeInstanceOf(
      CardReplacementRefused,
    );
    await networks.adapters[network].tokenLifecycle({
      tokenUniqueReference: token,
      tokenRequestorId: walletRequestor,
      operation: 'DELETE',
      reason: 'ACCOUNT_CLOSED',
      requestedBy: 'agent-7',
      requestId: randomUUID(),
    });
    await expect(replace(network, token, pan)).rejects.toMatchObject({
      reason: 'STATE_CONFLICT',
      message: /DEACTIVATED/,
    });
    const refused = await ledger(network, { kind: 'token.card.replaced.refused', tokenUniqueReference: token });
    expect(refused.map((entry) => entry.refusal)).toEqual(['CARD_REFUSED', 'CARD_REFUSED', 'STATE_CONFLICT']);
    const all = JSON.stringify(await ledger(network));
    for (const number of [pan, notLuhn, otherBrand]) expect(all).not.toContain(number);
  });
});

describe('a replaced card at Visa', () => {
  it("refuses a call naming another token requestor than the token's", async () => {
    const token = await tokenAt('vts');
    await expect(replace('vts', token, newPan('401288'), { tokenRequestorId: otherRequestor })).rejects.toMatchObject({
      reason: 'TOKEN_NOT_FOUND',
    });
  });
});
