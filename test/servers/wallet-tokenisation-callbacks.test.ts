// A wallet's tokenisation reaching its enrollment against the real PostgreSQL: the sandbox networks name the
// card by itself (no receipt), encrypted for the issuer; the issuer's callbacks open it, find the vaulted card
// by its fingerprint and the open wallet provisioning of that card for that token requestor, bind the new
// token to it, and decide from the enrollment. The network's notifications, naming only the token, reach the
// enrollment, or the inventory once it has ended; and the card numbers end up in no log line and no table row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findReceiptOfToken } from '../../db/push-receipts.js';
import { tokensOf } from '../../db/token-inventory.js';
import { cardNetworks } from '../../domain/enrollment.js';
import { wallet } from '../support/network-callbacks.js';
import { walletCallbackWorld, type WalletCallbackWorld } from '../support/wallet-callbacks.js';

let world: WalletCallbackWorld;

beforeAll(async () => {
  world = await walletCallbackWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('a tokenisation that names its card instead of a receipt', () => {
  it.each(cardNetworks)(
    '%s: approved for the card of an open wallet provisioning; its notification by reference reaches the enrollment',
    async (network) => {
      const card = await world.provisioned(network);
      const result = await world.tokenise(network, card.pan);
      expect(result).toMatchObject({ outcome: 'decided', decision: 'APPROVED' });
      const token = result.outcome === 'decided' ? result.token! : undefined;
      expect(token?.receipt).toBeUndefined();
      expect((await findReceiptOfToken(world.pool, network, token!.tokenUniqueReference))?.receipt).toBe(card.receipt);

      await world.sandbox.settle();
      expect(world.signals.filter((signal) => signal.enrollmentId === card.enrollmentId)).toEqual([
        {
          enrollmentId: card.enrollmentId,
          update: {
            network,
            receipt: card.receipt,
            tokenUniqueReference: token!.tokenUniqueReference,
            status: 'ACTIVE',
            statusTimestamp: token!.statusTimestamp,
          },
        },
      ]);
    },
  );

  it.each(cardNetworks)(
    '%s: once the enrollment has ended, a later notification by reference goes into the inventory under the card',
    async (network) => {
      const card = await world.provisioned(network);
      const result = await world.tokenise(network, card.pan);
      const token = result.outcome === 'decided' ? result.token! : undefined;
      await world.sandbox.settle();
      world.enrollments.set(card.enrollmentId, 'ended');
      const changed = await fetch(`${world.sandboxUrl(network)}/sandbox/tokens/${token!.tokenUniqueReference}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'SUSPENDED' }),
      });
      expect(changed.status).toBe(200);
      await world.sandbox.settle();
      expect(await tokensOf(world.pool, card.customerId)).toMatchObject([
        {
          network,
          tokenUniqueReference: token!.tokenUniqueReference,
          tokenRequestorId: wallet,
          status: 'SUSPENDED',
          card: { cardRef: card.cardRef },
        },
      ]);
    },
  );

  it.each(cardNetworks)(
    "%s: a card with no provisioning is decided by the issuer's rules through the network too, no 5xx",
    async (network) => {
      // The sandbox's wallet vouches for it (APPROVED, scores 5): the shipped rules let it through; a wallet
      // that says nothing gets a step-up; a card the issuer blocked, a decline.
      const { pan, cardRef } = await world.vaulted(network);
      const result = await world.tokenise(network, pan);
      expect(result).toMatchObject({ outcome: 'decided', decision: 'APPROVED', token: { status: 'ACTIVE' } });
      expect(result).not.toHaveProperty('standIn');
      const silent = await world.vaulted(network);
      expect(await world.tokenise(network, silent.pan, undefined, { silent: true })).toMatchObject({
        decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION',
        issuerReason: 'NO_WALLET_ASSESSMENT',
        token: { status: 'INACTIVE' },
      });
      await world.pool.query("UPDATE vault_cards SET card_status = 'BLOCKED' WHERE card_ref = $1", [cardRef]);
      expect(await world.tokenise(network, pan)).toMatchObject({
        decision: 'DECLINED',
        issuerReason: 'CARD_NOT_ACTIVE',
      });
    },
  );
});

describe('the card numbers of these tokenisations', () => {
  it('are in no log line and in no table row in clear', async () => {
    await world.expectNoCardNumbers('request completed');
  });
});
