// Apple Pay in-app provisioning end to end on the local engine stack, through the sandbox's Apple Wallet:
// for each network and each PassKit scheme, a customer's card on file -> a provisioning session at the
// wallet -> the engine's wallet provisioning -> the payload handed to the wallet, which opens it, checks
// its nonce and tokenises at the card's network with the issuer's activation data -> the enrollment
// COMPLETED and the token ACTIVE in the customer's inventory. Then what must not work: a device
// certificate the engine does not trust or that has expired, a nonce sent again, a payload handed to the
// wallet again, a wallet that never tokenises, and activation data tampered with on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskPan } from '../../domain/card-number.js';
import { passKitSchemes, type PassKitScheme } from '../../domain/wallets.js';
import { enrollmentReaches } from '../support/api-caller.js';
import {
  addPaymentPass,
  openWalletSession,
  provisionAtEngine,
  walletKnobs,
  type ApplePayPayload,
} from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { customerWithCard, sandboxLedger, tokensOf } from '../support/wallet-customers.js';
import { eventually } from '../support/eventually.js';

/** What differs between the networks here: their cards, and how the sandbox's ledger is named. */
const networks = [
  { network: 'MASTERCARD', bin: '520473', sandbox: 'mdes' },
  { network: 'VISA', bin: '411111', sandbox: 'vts' },
] as const;
type NetworkRow = (typeof networks)[number];

const cases = networks.flatMap((row) => passKitSchemes.map((scheme) => [row.network, scheme, row] as const));

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

interface Provisioned {
  enrollmentId: string;
  applePay: ApplePayPayload;
}

/** Up to the engine's payload, which the app would hand PassKit. */
async function provisioned(row: NetworkRow, scheme: PassKitScheme) {
  const { customer, cardId, pan } = await customerWithCard(stack, row.bin);
  const session = await openWalletSession(stack, scheme);
  const answer = await provisionAtEngine(stack, customer, cardId, session);
  expect([answer.status, JSON.stringify(answer.body)]).toEqual([201, expect.any(String)]);
  const body = answer.body as unknown as Provisioned & { wallet: string };
  expect(body.wallet).toBe('APPLE_PAY');
  return { customer, cardId, pan, session, enrollmentId: body.enrollmentId, payload: body.applePay };
}

const enrollmentCount = async (customerId: string): Promise<number> => {
  const { rows } = await stack.pool.query<{ count: string }>(
    'SELECT count(*) FROM enrollments WHERE customer_id = $1',
    [customerId],
  );
  return Number(rows[0]!.count);
};

describe('Apple Pay in-app provisioning through the sandbox wallet', () => {
  it.each(cases)(
    '%s, %s: session -> engine -> payload to the wallet -> ACTIVE, enrollment COMPLETED, token in the inventory',
    async (_network, scheme, row) => {
      const { customer, pan, session, enrollmentId, payload } = await provisioned(row, scheme);
      expect(Object.keys(payload).sort()).toEqual(
        ['activationData', 'encryptedPassData', scheme === 'ECC_V2' ? 'ephemeralPublicKey' : 'wrappedKey'].sort(),
      );
      expect(JSON.stringify(payload)).not.toContain(pan);

      const added = await addPaymentPass(stack, session, payload);
      expect(added).toMatchObject({
        status: 200,
        body: { status: 'ACTIVE', network: row.network, maskedPan: maskPan(pan) },
      });
      expect(JSON.stringify(added.body)).not.toContain(pan);
      const token = added.body.tokenUniqueReference!;
      expect(typeof token).toBe('string');

      expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
      const inventory = await eventually(
        () => tokensOf(customer),
        (tokens) => tokens.some((held) => held.tokenUniqueReference === token),
        'the token in the inventory',
      );
      expect(inventory.find((held) => held.tokenUniqueReference === token)?.status).toBe('ACTIVE');

      // The same payload handed to the wallet again: a replay, refused before any network hears of it.
      const again = await addPaymentPass(stack, session, payload);
      expect([again.status, again.body.code]).toEqual([409, 'PAYLOAD_REPLAYED']);
      const tokenisations = await sandboxLedger(stack, 'tokenRequestors', {
        kind: 'wallet.tokenize.requested',
        sessionId: session.sessionId,
      });
      expect(tokenisations).toHaveLength(1);
      expect(JSON.stringify(await sandboxLedger(stack, 'tokenRequestors'))).not.toContain(pan);
      expect(JSON.stringify(await sandboxLedger(stack, row.sandbox))).not.toContain(pan);
    },
  );
});

describe('what a wallet provisioning refuses, end to end', () => {
  it.each([
    ['untrusted', 'wallet-certificate-not-trusted'],
    ['expired', 'wallet-certificate-not-valid-now'],
  ] as const)('a device certificate that is %s: 422 from the engine, nothing started', async (certificate, problem) => {
    const { customer, cardId } = await customerWithCard(stack, networks[0].bin);
    const session = await openWalletSession(stack, 'ECC_V2', certificate);
    const answer = await provisionAtEngine(stack, customer, cardId, session);
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toContain(`/problems/${problem}`);
    expect(await enrollmentCount(customer.customerId)).toBe(0);
  });

  it.each(networks.map((row) => [row.network, row] as const))(
    '%s: the same nonce sent to the engine again is refused as a replay (409)',
    async (_network, row) => {
      const { customer, cardId, session } = await provisioned(row, 'ECC_V2');
      const again = await provisionAtEngine(stack, customer, cardId, session);
      expect(again.status).toBe(409);
      expect(JSON.stringify(again.body)).toContain('/problems/wallet-nonce-replayed');
    },
  );

  it.each(networks.map((row) => [row.network, row] as const))(
    '%s: a wallet that takes the payload and never tokenises leaves the enrollment AWAITING_TOKEN_REQUESTOR',
    async (_network, row) => {
      const { customer, session, enrollmentId, payload } = await provisioned(row, 'RSA_V2');
      await walletKnobs(stack, { timesOut: true });
      try {
        const added = await addPaymentPass(stack, session, payload);
        expect([added.status, added.body.status]).toEqual([202, 'PENDING']);
      } finally {
        await walletKnobs(stack, {});
      }
      // Its 15-minute expiry is proven by the time-skipping tests; here, nothing moves it meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body.status).toBe(
        'AWAITING_TOKEN_REQUESTOR',
      );
      expect(
        await sandboxLedger(stack, 'tokenRequestors', {
          kind: 'wallet.tokenize.requested',
          sessionId: session.sessionId,
        }),
      ).toEqual([]);
    },
  );

  it('a wallet whose own risk check declines answers DECLINED without asking the network', async () => {
    const { customer, session, enrollmentId, payload } = await provisioned(networks[0], 'ECC_V2');
    await walletKnobs(stack, { declines: true });
    try {
      const added = await addPaymentPass(stack, session, payload);
      expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'WALLET' } });
    } finally {
      await walletKnobs(stack, {});
    }
    expect((await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body.status).toBe(
      'AWAITING_TOKEN_REQUESTOR',
    );
  });

  it.each(networks.map((row) => [row.network, row] as const))(
    '%s: activation data tampered with on the way is refused by the network; no token, the enrollment still waits',
    async (_network, row) => {
      const { customer, session, enrollmentId, payload, pan } = await provisioned(row, 'ECC_V2');
      const tampered = { ...payload, activationData: tamper(payload.activationData) };
      const added = await addPaymentPass(stack, session, tampered);
      expect(added).toMatchObject({ status: 200, body: { status: 'DECLINED', declinedBy: 'NETWORK' } });
      expect(added.body.reason).toMatch(/tokenizationAuthenticationValue|invalidActivationData/);
      expect(added.body).not.toHaveProperty('tokenUniqueReference');
      expect(JSON.stringify(added.body)).not.toContain(pan);
      expect((await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body.status).toBe(
        'AWAITING_TOKEN_REQUESTOR',
      );
    },
  );
});

/** One character of the value's middle changed to another of its alphabet. */
function tamper(value: string): string {
  const at = Math.floor(value.length / 2);
  const replacement = value[at] === 'A' ? 'B' : 'A';
  return `${value.slice(0, at)}${replacement}${value.slice(at + 1)}`;
}
