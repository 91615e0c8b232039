// The issuer's answers to a network that names a card by itself (a wallet's tokenisation), against the real
// PostgreSQL: each case it cannot approve is declined with its reason (the card unknown, its
// provisioning expired, for another token requestor or bound to another token, another expiry, no token
// named, a card that does not open, an enrollment no longer waiting), never with a 5xx; and the card numbers
// end up in no log line and no table row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNetworks } from '../../domain/enrollment.js';
import { otherWallet, walletCallbackWorld, type Asked, type WalletCallbackWorld } from '../support/wallet-callbacks.js';

let world: WalletCallbackWorld;

beforeAll(async () => {
  world = await walletCallbackWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('the issuer declines, saying why, and never answers 5xx', () => {
  it.each(cardNetworks)(
    '%s: an unknown card, no provisioning, an expired one, another token requestor',
    async (network) => {
      const ask = (asked: Asked) => world.ask(network, asked);
      expect(await ask({ pan: world.newPan(network) })).toEqual({
        status: 200,
        decision: 'DECLINED',
        reason: 'CARD_NOT_FOUND',
      });

      // A card of the vault the issuer's app did not provision: the wallet got it elsewhere, the rules decide;
      // with nothing from the wallet to judge it by, the cardholder steps up.
      const unprovisioned = (await world.vaulted(network)).pan;
      const token = world.newTokenReference(network);
      expect(await ask({ pan: unprovisioned, token })).toEqual({
        status: 200,
        decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION',
        reason: 'NO_WALLET_ASSESSMENT',
      });
      expect(world.activations).toContain(`token-activation:${network}:${token}`);

      const expired = await world.provisioned(network, { expiresInMs: -1_000 });
      expect(await ask({ pan: expired.pan })).toMatchObject({ status: 200, reason: 'PROVISIONING_EXPIRED' });

      const others = await world.provisioned(network, { tokenRequestorId: otherWallet });
      expect(await ask({ pan: others.pan })).toMatchObject({ status: 200, reason: 'WRONG_TOKEN_REQUESTOR' });
      expect(await ask({ pan: others.pan, tokenRequestorId: otherWallet })).toEqual({
        status: 200,
        decision: 'APPROVED',
        reason: undefined,
      });
    },
  );

  it.each(cardNetworks)('%s: a card that does not open, altered or encrypted for another key', async (network) => {
    const { pan } = await world.provisioned(network);
    for (const encryption of ['altered', 'for another key'] as const) {
      expect(await world.ask(network, { pan, encryption })).toEqual({
        status: 200,
        decision: 'DECLINED',
        reason: 'ACCOUNT_NOT_OPENED',
      });
    }
    expect(await world.ask(network, { pan })).toMatchObject({ decision: 'APPROVED' });
  });

  it.each(cardNetworks)(
    '%s: another expiry, no token named, a provisioning bound to another token, an enrollment no longer waiting',
    async (network) => {
      const ask = (asked: Asked) => world.ask(network, asked);
      const newTokenReference = () => world.newTokenReference(network);
      const card = await world.provisioned(network);
      expect(await ask({ pan: card.pan, expiry: { expiryMonth: 10, expiryYear: 2031 } })).toMatchObject({
        status: 200,
        reason: 'EXPIRY_MISMATCH',
      });
      expect(await ask({ pan: card.pan, token: null })).toMatchObject({
        status: 200,
        reason: 'TOKEN_REFERENCE_MISSING',
      });
      const first = newTokenReference();
      expect(await ask({ pan: card.pan, token: first })).toMatchObject({ status: 200, decision: 'APPROVED' });
      // The network asking again about the same token is answered the same; another token is not.
      expect(await ask({ pan: card.pan, token: first })).toMatchObject({ status: 200, decision: 'APPROVED' });
      expect(await ask({ pan: card.pan, token: newTokenReference() })).toMatchObject({
        status: 200,
        decision: 'DECLINED',
        reason: 'PROVISIONING_ALREADY_USED',
      });

      const completed = await world.provisioned(network, { status: 'COMPLETED' });
      expect(await ask({ pan: completed.pan })).toMatchObject({ status: 200, reason: 'ENROLLMENT_COMPLETED' });
      const ended = await world.provisioned(network);
      world.enrollments.set(ended.enrollmentId, 'ended');
      expect(await ask({ pan: ended.pan })).toMatchObject({ status: 200, reason: 'ENROLLMENT_NOT_FOUND' });
    },
  );
});

describe('the card numbers of these tokenisations', () => {
  it('are in no log line and in no table row in clear', async () => {
    await world.expectNoCardNumbers('a card named by a network does not open');
  });
});
