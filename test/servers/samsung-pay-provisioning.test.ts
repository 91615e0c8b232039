// Samsung Pay in-app provisioning end to end on the local engine stack, through the sandbox's Samsung
// Wallet: for each network, a customer's card on file -> the device's wallet info -> the engine's wallet
// provisioning -> addCard at the wallet, which cannot open the network's payload and passes it on -> the
// network checks it (the card, the issuer's activation data, and for Visa this wallet user and device) and
// tokenises -> the enrollment COMPLETED and the token ACTIVE in the inventory. Then the yellow path, a
// payload taken twice, a payload made for another device, and a device the wallet does not know.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SamsungPayPayload } from '../../domain/wallets.js';
import { enrollmentReaches } from '../support/api-caller.js';
import { walletKnobs } from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';
import { addCard, provisionForSamsung, samsungDevice, verifyCard } from '../support/samsung-wallet.js';
import { customerWithCard, sandboxLedger, tokenReaches } from '../support/wallet-customers.js';

const networks = [
  { network: 'MASTERCARD', bin: '520473', sandbox: 'mdes', provider: 'MI' },
  { network: 'VISA', bin: '411111', sandbox: 'vts', provider: 'VI' },
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

async function provisioned(row: NetworkRow) {
  const { customer, cardId, pan } = await customerWithCard(stack, row.bin);
  const device = await samsungDevice(stack);
  const answer = await provisionForSamsung(stack, customer, cardId, device);
  expect([answer.status, JSON.stringify(answer.body)]).toEqual([201, expect.any(String)]);
  const body = answer.body as unknown as { wallet: string; enrollmentId: string; samsungPay: SamsungPayPayload };
  expect(body.wallet).toBe('SAMSUNG_PAY');
  return { customer, cardId, pan, device, enrollmentId: body.enrollmentId, payload: body.samsungPay };
}

describe('Samsung Pay in-app provisioning through the sandbox wallet', () => {
  it.each(byNetwork)(
    '%s: wallet info -> engine -> addCard -> ACTIVE, enrollment COMPLETED, token in the inventory',
    async (_network, row) => {
      const { customer, pan, device, enrollmentId, payload } = await provisioned(row);
      expect(payload).toMatchObject({
        cardType: 'CREDIT_DEBIT',
        tokenizationProvider: row.provider,
        network: row.network,
        lastDigits: pan.slice(-4),
      });
      expect(JSON.stringify(payload)).not.toContain(pan);

      const added = await addCard(stack, device, payload);
      expect(added).toMatchObject({ status: 200, body: { status: 'ACTIVE', network: row.network } });
      const token = added.body.tokenUniqueReference!;
      expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
      await tokenReaches(customer, token, 'ACTIVE');

      const again = await addCard(stack, device, payload);
      expect([again.status, again.body.code]).toEqual([409, 'PAYLOAD_REPLAYED']);
      expect(JSON.stringify(await sandboxLedger(stack, 'tokenRequestors'))).not.toContain(pan);
      expect(JSON.stringify(await sandboxLedger(stack, row.sandbox))).not.toContain(pan);
    },
  );

  it('the yellow path: the card waits for verification, then is verified by its token reference', async () => {
    const { customer, device, enrollmentId, payload } = await provisioned(networks[1]);
    await walletKnobs(stack, { requiresActivation: true }, 'samsungPay');
    let token: string;
    try {
      const added = await addCard(stack, device, payload);
      expect(added).toMatchObject({ status: 200, body: { status: 'PENDING_ACTIVATION' } });
      token = added.body.tokenUniqueReference!;
    } finally {
      await walletKnobs(stack, {}, 'samsungPay');
    }
    await eventually(
      async () => (await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body,
      (view) => view.cards[0]?.tokenStatus === 'INACTIVE' && view.cards[0].tokenUniqueReference === token,
      'the enrollment told of the INACTIVE token',
    );
    expect((await verifyCard(stack, device, token)).body.status).toBe('ACTIVE');
    expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
    await tokenReaches(customer, token, 'ACTIVE');
  });
});

describe('what Samsung Pay provisioning refuses, end to end', () => {
  it("Visa's payload made for one device is refused by Visa when added on another", async () => {
    const first = await provisioned(networks[1]);
    const other = await samsungDevice(stack);
    const added = await addCard(stack, other, first.payload);
    expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'NETWORK' } });
    expect(added.body.reason).toMatch(/clientWalletAccountID|clientDeviceID/);
  });

  it("Mastercard's payload altered on the way is refused by Mastercard", async () => {
    const { device, payload } = await provisioned(networks[0]);
    const envelope = JSON.parse(Buffer.from(payload.provisionPayload, 'base64').toString()) as {
      tokenizationAuthenticationValue: string;
    };
    envelope.tokenizationAuthenticationValue = Buffer.from('{"version":"2"}').toString('base64');
    const altered = Buffer.from(JSON.stringify(envelope)).toString('base64');
    const added = await addCard(stack, device, { ...payload, provisionPayload: altered });
    expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'NETWORK' } });
    expect(added.body.reason).toMatch(/tokenizationAuthenticationValue/);
  });

  it('a device the wallet does not know: 404', async () => {
    const { device, payload } = await provisioned(networks[0]);
    const added = await addCard(stack, { ...device, walletUserId: 'wa-nobody' }, payload);
    expect([added.status, added.body.code]).toEqual([404, 'WALLET_NOT_FOUND']);
  });
});
