// Google Pay in-app provisioning end to end on the local engine stack, through the sandbox's Google Wallet:
// for each network, a customer's card on file -> the device's wallet ids -> the engine's wallet provisioning
// -> pushTokenize at the wallet, which opens the googleOpc, holds the card against what the app says, and
// passes the network's OPC on -> the network checks it (Mastercard's TAV, Visa's JWE for this wallet account
// and device, and the issuer's activation data) and tokenises -> the enrollment COMPLETED and the token
// ACTIVE in the inventory. The yellow path: the token INACTIVE until the cardholder activates it in the
// wallet, resumed by its reference. Then what must not work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../domain/card-number.js';
import type { GooglePayPayload } from '../../domain/wallets.js';
import { enrollmentReaches } from '../support/api-caller.js';
import { walletKnobs } from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { customerWithCard, sandboxLedger, tokenReaches, tokensOf } from '../support/wallet-customers.js';
import { eventually } from '../support/eventually.js';
import { googleDevice, provisionForGoogle, pushTokenize, resumeTokenize } from '../support/google-wallet.js';

const networks = [
  { network: 'MASTERCARD', bin: '520473', sandbox: 'mdes', provider: 'TOKEN_PROVIDER_MASTERCARD' },
  { network: 'VISA', bin: '411111', sandbox: 'vts', provider: 'TOKEN_PROVIDER_VISA' },
] as const;
type NetworkRow = (typeof networks)[number];
const byNetwork = networks.map((row) => [row.network, row] as const);

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** Up to the engine's answer, which the app would hand pushTokenize. */
async function provisioned(row: NetworkRow) {
  const { customer, cardId, pan } = await customerWithCard(stack, row.bin, {
    expiryMonth: 11,
    expiryYear: 2032,
    cardholderName: 'Grace Hopper',
  });
  const device = await googleDevice(stack);
  const answer = await provisionForGoogle(stack, customer, cardId, device);
  expect([answer.status, JSON.stringify(answer.body)]).toEqual([201, expect.any(String)]);
  const body = answer.body as unknown as { wallet: string; enrollmentId: string; googlePay: GooglePayPayload };
  expect(body.wallet).toBe('GOOGLE_PAY');
  return { customer, cardId, pan, device, enrollmentId: body.enrollmentId, payload: body.googlePay };
}

describe('Google Pay in-app provisioning through the sandbox wallet', () => {
  it.each(byNetwork)(
    '%s: device ids -> engine -> pushTokenize -> ACTIVE, enrollment COMPLETED, token in the inventory',
    async (_network, row) => {
      const { customer, pan, device, enrollmentId, payload } = await provisioned(row);
      expect(payload).toMatchObject({
        network: row.network,
        tokenServiceProvider: row.provider,
        lastDigits: pan.slice(-4),
      });
      expect(JSON.stringify(payload)).not.toContain(pan);

      const added = await pushTokenize(stack, device, payload);
      expect(added).toMatchObject({
        status: 200,
        body: { status: 'ACTIVE', network: row.network, maskedPan: maskPan(pan) },
      });
      const token = added.body.tokenUniqueReference!;
      expect(typeof token).toBe('string');
      expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
      await tokenReaches(customer, token, 'ACTIVE');

      // The same answer handed to the wallet again: its serverSessionId is taken, refused before any network.
      const again = await pushTokenize(stack, device, payload);
      expect([again.status, again.body.code]).toEqual([409, 'PAYLOAD_REPLAYED']);
      expect(
        await sandboxLedger(stack, 'tokenRequestors', {
          kind: 'wallet.tokenize.requested',
          wallet: 'GOOGLE_PAY',
          maskedPan: maskPan(pan),
        }),
      ).toHaveLength(1);
      expect(JSON.stringify(await sandboxLedger(stack, 'tokenRequestors'))).not.toContain(pan);
      expect(JSON.stringify(await sandboxLedger(stack, row.sandbox))).not.toContain(pan);
    },
  );

  it.each(byNetwork)(
    '%s: the yellow path: the token INACTIVE until activated in the wallet, resumed by its reference',
    async (_network, row) => {
      const { customer, device, enrollmentId, payload } = await provisioned(row);
      await walletKnobs(stack, { requiresActivation: true }, 'googlePay');
      let token: string;
      try {
        const added = await pushTokenize(stack, device, payload);
        expect(added).toMatchObject({ status: 200, body: { status: 'PENDING_ACTIVATION', network: row.network } });
        token = added.body.tokenUniqueReference!;
      } finally {
        await walletKnobs(stack, {}, 'googlePay');
      }
      // The app finds the token to resume in its enrollment: INACTIVE, under the reference the wallet gave.
      const waiting = await eventually(
        async () => (await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body,
        (view) => view.cards[0]?.tokenStatus === 'INACTIVE',
        'the enrollment told of the INACTIVE token',
      );
      expect(waiting).toMatchObject({
        status: 'AWAITING_TOKEN_REQUESTOR',
        cards: [{ state: 'PUSHED', tokenStatus: 'INACTIVE', tokenUniqueReference: token }],
      });
      expect((await tokensOf(customer)).map((held) => held.tokenUniqueReference)).not.toContain(token);

      // Another wallet account cannot resume it.
      const stranger = await googleDevice(stack);
      expect((await resumeTokenize(stack, stranger, token)).status).toBe(404);

      const resumed = await resumeTokenize(stack, device, token);
      expect(resumed).toMatchObject({ status: 200, body: { status: 'ACTIVE', tokenUniqueReference: token } });
      expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
      await tokenReaches(customer, token, 'ACTIVE');
    },
  );
});

describe('what Google Pay provisioning refuses, end to end', () => {
  it('a second provisioning of the same card to the same device while one runs: 409, the first unharmed', async () => {
    const row = networks[0];
    const { customer, cardId, device, enrollmentId, payload } = await provisioned(row);
    const again = await provisionForGoogle(stack, customer, cardId, device);
    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain('/problems/wallet-provisioning-in-progress');
    expect((await pushTokenize(stack, device, payload)).body.status).toBe('ACTIVE');
    expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
  });

  it('a googleOpc altered on the way does not open: 422, no network asked', async () => {
    const { device, payload, pan } = await provisioned(networks[1]);
    const bytes = Buffer.from(payload.googleOpc, 'base64');
    bytes[bytes.length - 20]! ^= 0x01;
    const added = await pushTokenize(stack, device, { ...payload, googleOpc: bytes.toString('base64') });
    expect([added.status, added.body.code]).toEqual([422, 'PAYLOAD_UNREADABLE']);
    expect(
      await sandboxLedger(stack, 'tokenRequestors', { kind: 'wallet.tokenize.requested', maskedPan: maskPan(pan) }),
    ).toEqual([]);
  });

  it('what the app says of the card must be the card in the googleOpc: 422', async () => {
    const { device, payload } = await provisioned(networks[0]);
    const otherDigits = String((Number(payload.lastDigits) + 1) % 10_000).padStart(4, '0');
    const added = await pushTokenize(stack, device, { ...payload, lastDigits: otherDigits });
    expect([added.status, added.body.code]).toEqual([422, 'CARD_MISMATCH']);
  });

  it('a wallet account that is not on this device: 404', async () => {
    const { device, payload } = await provisioned(networks[0]);
    const added = await pushTokenize(stack, { ...device, deviceId: 'hw-another-device' }, payload);
    expect([added.status, added.body.code]).toEqual([404, 'WALLET_NOT_FOUND']);
  });

  it("Visa's OPC made for one wallet account is refused by Visa for another's", async () => {
    const row = networks[1];
    const first = await provisioned(row);
    const second = await provisioned(row);
    // The second device's googleOpc (its own, so the wallet lets it through) beside the first device's OPC.
    const added = await pushTokenize(stack, second.device, {
      ...second.payload,
      opaquePaymentCard: first.payload.opaquePaymentCard,
      lastDigits: second.payload.lastDigits,
    });
    expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'NETWORK' } });
    expect(added.body.reason).toMatch(/clientWalletAccountID|clientDeviceID/);
    expect((await first.customer.call('GET', `/v1/enrollments/${first.enrollmentId}`)).body.status).toBe(
      'AWAITING_TOKEN_REQUESTOR',
    );
  });

  it('a wallet whose own risk check declines answers DECLINED without asking the network', async () => {
    const { device, payload, pan } = await provisioned(networks[1]);
    await walletKnobs(stack, { declines: true }, 'googlePay');
    try {
      const added = await pushTokenize(stack, device, payload);
      expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'WALLET' } });
    } finally {
      await walletKnobs(stack, {}, 'googlePay');
    }
    expect(
      await sandboxLedger(stack, 'tokenRequestors', { kind: 'wallet.tokenize.requested', maskedPan: maskPan(pan) }),
    ).toEqual([]);
  });
});
