// The issuer's tokenisation decisioning on the local engine stack, driven by each sandbox network's
// simulate-tokenisation endpoint (a card typed into a wallet, on file at a merchant, with the wallet's
// recommendation and scores): GREEN (the token ACTIVE), RED (no token, the reason on the wire), YELLOW
// (the token INACTIVE until the cardholder activates it: a code by SMS, two wrong tries, a resend, the
// right code, the network told, the token ACTIVE in the inventory), velocity per card, a card not in good
// standing, every decision recorded with its reasons, and no card number in any decision row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recentDecisions } from '../../db/tokenisation-decisions.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import { oneTimeCodeOf, type Caller } from '../support/api-caller.js';
import { operatorCaller } from '../support/operator-caller.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { eventually } from '../support/eventually.js';
import { customerWithCard, sandboxLedger, tokenReaches, tokensOf } from '../support/wallet-customers.js';

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

const networks = [
  { network: 'MASTERCARD', bin: '520473', sandbox: 'mdes', wallet: '50110030273' },
  { network: 'VISA', bin: '411111', sandbox: 'vts', wallet: '50110030273' },
] as const satisfies readonly { network: CardNetwork; bin: string; sandbox: 'mdes' | 'vts'; wallet: string }[];

interface Simulated {
  status: number;
  body: {
    decision?: string;
    issuerReason?: string;
    token?: { tokenUniqueReference: string; status: string };
    activationMethods?: { type: string; value?: string }[];
    account?: { maskedPan: string };
  };
}

/** Every card number this file draws, for the check that none is kept anywhere. */
const pansDrawn = new Set<string>();
async function cardHolder(bin: string) {
  const holder = await customerWithCard(stack, bin);
  pansDrawn.add(holder.pan);
  return holder;
}

async function simulate(sandbox: 'mdes' | 'vts', body: object): Promise<Simulated> {
  const response = await fetch(`${stack.sandbox.urls[sandbox]}/sandbox/simulate/tokenizations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Simulated['body'] };
}

async function withProfile(customer: Caller): Promise<void> {
  await stack.pool.query(
    `INSERT INTO customer_profiles (customer_id, email_address, mobile_dial_in_code, mobile_number)
     VALUES ($1, 'ada@example.com', '44', '7700900123')`,
    [customer.customerId],
  );
}

describe.each(networks)(
  '$network: a wallet-initiated tokenisation decided by the issuer',
  ({ bin, sandbox, wallet }) => {
    it('GREEN: a card on file at a merchant, the wallet confident: the token is ACTIVE', async () => {
      const { customer, pan } = await cardHolder(bin);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      const answer = await simulate(sandbox, {
        tokenRequestorId: wallet,
        account,
        source: 'ON_FILE',
        recommendation: 'APPROVED',
        accountScore: 5,
        deviceScore: 4,
      });
      expect(answer).toMatchObject({ status: 200, body: { decision: 'APPROVED', token: { status: 'ACTIVE' } } });
      expect(JSON.stringify(answer.body)).not.toContain(pan);
      await tokenReaches(customer, answer.body.token!.tokenUniqueReference, 'ACTIVE');
      const [decision] = await recentDecisions(stack.pool, { customerId: customer.customerId, limit: 5 });
      expect(decision).toMatchObject({
        outcome: 'GREEN',
        source: 'CARD_ON_FILE',
        reasons: ['NO_RULE_MATCHED'],
        tokenUniqueReference: answer.body.token!.tokenUniqueReference,
        failSafe: false,
      });
      expect(decision?.facts).toMatchObject({ walletRecommendation: 'APPROVED', accountScore: 5, deviceScore: 4 });
    });

    it('RED: the riskiest device, and a card not in good standing; no token, the reason named', async () => {
      const { customer, pan } = await cardHolder(bin);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      const risky = await simulate(sandbox, { tokenRequestorId: wallet, account, source: 'ON_FILE', deviceScore: 1 });
      expect(risky).toMatchObject({ status: 200, body: { decision: 'DECLINED' } });
      expect(risky.body.token).toBeUndefined();

      const [card] = (
        await stack.pool.query<{ card_ref: string }>('SELECT card_ref FROM vault_cards WHERE customer_id = $1', [
          customer.customerId,
        ])
      ).rows;
      await stack.pool.query("UPDATE vault_cards SET card_status = 'LOST' WHERE card_ref = $1", [card!.card_ref]);
      const lost = await simulate(sandbox, { tokenRequestorId: wallet, account, source: 'ON_FILE', deviceScore: 5 });
      expect(lost.body.decision).toBe('DECLINED');

      const decisions = await recentDecisions(stack.pool, { customerId: customer.customerId, limit: 5 });
      expect(decisions.map((each) => [each.outcome, each.reasons])).toEqual([
        ['RED', ['CARD_NOT_ACTIVE']],
        ['RED', ['DEVICE_SCORE_1']],
      ]);
      expect(risky.body.issuerReason).toBe('DEVICE_SCORE_1');
      expect(lost.body.issuerReason).toBe('CARD_NOT_ACTIVE');
      expect(await tokensOf(customer)).toEqual([]);
    });

    it('RED past the velocity a card is allowed (more than 5 a day not pushed by the issuer)', async () => {
      const { customer, pan } = await cardHolder(bin);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      const asked = { tokenRequestorId: wallet, account, source: 'ON_FILE', accountScore: 5, deviceScore: 5 };
      for (let time = 1; time <= 5; time += 1) {
        expect((await simulate(sandbox, asked)).body.decision).toBe('APPROVED');
      }
      expect((await simulate(sandbox, asked)).body.decision).toBe('DECLINED');
      const [latest] = await recentDecisions(stack.pool, { customerId: customer.customerId, limit: 1 });
      expect(latest).toMatchObject({ outcome: 'RED', reasons: ['CARD_VELOCITY'], matchedRules: ['card-velocity'] });

      // Operators read them (viewer), newest first; a customer's token is no operator's.
      const operator = await operatorCaller(stack, `-decisions-${bin}`);
      const route = `/tokenisation-decisions?customerId=${customer.customerId}&limit=10`;
      expect((await operator('customer', 'GET', route)).status).toBe(401);
      const read = await operator('viewer', 'GET', route);
      expect(read.status).toBe(200);
      const outcomes = (read.body.decisions as { outcome: string }[]).map((decision) => decision.outcome);
      expect(outcomes).toEqual(['RED', 'GREEN', 'GREEN', 'GREEN', 'GREEN', 'GREEN']);
      const withCard = await operator('viewer', 'GET', `/tokenisation-decisions?customerId=${pan}`);
      expect(withCard.status).toBe(422);
      expect(JSON.stringify(withCard.body)).not.toContain(pan);
    });

    it('YELLOW: typed into the wallet; activated with a code by SMS after two wrong ones and a resend', async () => {
      const { customer, pan } = await cardHolder(bin);
      await withProfile(customer);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      const answer = await simulate(sandbox, {
        tokenRequestorId: wallet,
        account,
        source: 'KEY_ENTERED',
        recommendation: 'APPROVED',
        accountScore: 5,
        deviceScore: 5,
      });
      expect(answer).toMatchObject({
        status: 200,
        body: { decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION', token: { status: 'INACTIVE' } },
      });
      expect(answer.body.activationMethods).toEqual([
        { type: 'TEXT_TO_CARDHOLDER_NUMBER', value: '••• ••• ••23' },
        { type: 'EMAIL_TO_CARDHOLDER_ADDRESS', value: 'a•••@example.com' },
        { type: 'CARDHOLDER_TO_USE_ISSUER_MOBILE_APP' },
      ]);
      const token = answer.body.token!.tokenUniqueReference;
      await tokenReaches(customer, token, 'INACTIVE');
      const activation = `/v1/tokens/${token}/activation`;

      const view = await eventually(
        () => customer.call('GET', activation),
        (response) => response.status === 200,
        'the activation under way',
      );
      expect(view.body).toMatchObject({ status: 'AWAITING_CARDHOLDER', codesSent: 0, triesLeft: 3 });
      // No code asked for yet; then one by SMS.
      expect((await customer.call('POST', activation, { code: '123456' })).status).toBe(409);
      expect((await customer.call('POST', `${activation}/codes`, { channel: 'SMS' })).body).toMatchObject({
        codeSentTo: 'SMS',
        codesSent: 1,
      });
      const activationId = `token-activation:${networks.find((each) => each.sandbox === sandbox)!.network}:${token}`;
      const first = await oneTimeCodeOf(stack, activationId);
      const wrong = first === '000000' ? '000001' : '000000';
      const refused = await customer.call('POST', activation, { code: wrong });
      expect(refused).toMatchObject({ status: 422, body: { detail: 'That is not the code; 2 tries left' } });
      // A resend replaces the code: the first one no longer works (and costs a try).
      await customer.call('POST', `${activation}/codes`, { channel: 'SMS' });
      const second = await oneTimeCodeOf(stack, activationId);
      expect(second).not.toBe(first);
      expect((await customer.call('POST', activation, { code: first })).status).toBe(422);
      expect(await customer.call('POST', activation, { code: second })).toMatchObject({
        status: 200,
        body: { outcome: 'ACTIVATED', tokenUniqueReference: token },
      });

      // The network was told once, and the token is ACTIVE there and in the inventory.
      const calls = await sandboxLedger(stack, sandbox, { kind: 'token.lifecycle', tokenUniqueReference: token });
      expect(calls.map((call) => [call.operation, call.to])).toEqual([['ACTIVATE', 'ACTIVE']]);
      await tokenReaches(customer, token, 'ACTIVE');
      const [decision] = await recentDecisions(stack.pool, { customerId: customer.customerId, limit: 1 });
      expect(decision).toMatchObject({ outcome: 'YELLOW', reasons: ['CARD_ENTERED_IN_WALLET'] });
      await eventually(
        () => recentDecisions(stack.pool, { customerId: customer.customerId, limit: 1 }),
        ([latest]) => latest?.activation === 'ACTIVATED',
        'the activation recorded with the decision',
      );
      // The issuer's systems are told, in the token's order: the decision, the token, its activation.
      const network = networks.find((each) => each.sandbox === sandbox)!.network;
      const { rows: events } = await stack.pool.query<{ type: string; data: { status?: string; outcome?: string } }>(
        'SELECT type, data FROM webhook_events WHERE ordering_key = $1 ORDER BY event_seq',
        [`token:${network}:${token}`],
      );
      expect(events.map(({ type, data }) => `${type} ${data.outcome ?? data.status ?? ''}`.trim())).toEqual([
        'tokenisation.decided YELLOW',
        'token.status_changed INACTIVE',
        'token.status_changed ACTIVE',
        'token.activation_changed',
      ]);
      // Over: no more codes.
      expect((await customer.call('POST', `${activation}/codes`, { channel: 'SMS' })).status).toBe(409);
    });

    it('YELLOW with nothing from the wallet and no contact details: only the issuer app; only by its customer', async () => {
      const { customer, pan } = await cardHolder(bin);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      // No wallet assessment at all, no contact details: the issuer app is the only way.
      const answer = await simulate(sandbox, { tokenRequestorId: wallet, account, source: 'ON_FILE', silent: true });
      expect(answer.body).toMatchObject({
        decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION',
        activationMethods: [{ type: 'CARDHOLDER_TO_USE_ISSUER_MOBILE_APP' }],
      });
      const token = answer.body.token!.tokenUniqueReference;
      const activation = `/v1/tokens/${token}/activation`;
      await eventually(
        () => customer.call('GET', activation),
        (response) => response.status === 200,
        'activation',
      );
      expect((await customer.call('POST', `${activation}/codes`, { channel: 'SMS' })).status).toBe(400);
      // A wallet claiming the issuer pushed the card is not believed: the same step-up.
      const claimed = await simulate(sandbox, {
        tokenRequestorId: wallet,
        account,
        source: 'ISSUER_PUSH',
        silent: true,
      });
      expect(claimed.body).toMatchObject({
        decision: 'REQUIRE_ADDITIONAL_AUTHENTICATION',
        issuerReason: 'NO_WALLET_ASSESSMENT',
      });
      // Another customer cannot see or act on it.
      const { customer: stranger } = await cardHolder(bin);
      expect((await stranger.call('GET', activation)).status).toBe(404);
      expect((await stranger.call('POST', activation, { confirmedInIssuerApp: true })).status).toBe(404);
      expect(await customer.call('POST', activation, { confirmedInIssuerApp: true })).toMatchObject({
        status: 200,
        body: { outcome: 'ACTIVATED' },
      });
      await tokenReaches(customer, token, 'ACTIVE');
    });
  },
);

describe.each(networks)(
  '$network: the network tells of changes made on the wallet side',
  ({ bin, sandbox, wallet, network }) => {
    it('a device lost, found, then the token deleted in the wallet: the inventory follows, the reason told', async () => {
      const { customer, pan } = await cardHolder(bin);
      const account = { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 };
      const asked = { tokenRequestorId: wallet, account, source: 'ON_FILE', accountScore: 5, deviceScore: 5 };
      const token = (await simulate(sandbox, asked)).body.token!.tokenUniqueReference;
      await tokenReaches(customer, token, 'ACTIVE');
      const walletSide = async (event: string) => {
        const response = await fetch(`${stack.sandbox.urls[sandbox]}/sandbox/tokens/${token}/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ event }),
        });
        expect(response.status).toBe(200);
      };
      await walletSide('DEVICE_LOST');
      await tokenReaches(customer, token, 'SUSPENDED');
      await walletSide('DEVICE_FOUND');
      await tokenReaches(customer, token, 'ACTIVE');
      await walletSide('DELETED_FROM_WALLET');
      await tokenReaches(customer, token, 'DEACTIVATED');
      const { rows } = await stack.pool.query<{ data: { status: string; reason?: string } }>(
        `SELECT data FROM webhook_events WHERE ordering_key = $1 AND type = 'token.status_changed' ORDER BY event_seq`,
        [`token:${network}:${token}`],
      );
      expect(rows.slice(1).map(({ data }) => [data.status, data.reason])).toEqual([
        ['SUSPENDED', 'DEVICE_LOST'],
        ['ACTIVE', 'DEVICE_FOUND'],
        ['DEACTIVATED', 'DELETED_FROM_WALLET'],
      ]);
    });
  },
);

describe('the simulate-tokenisation endpoint', () => {
  it('refuses a body it cannot take naming the field, never echoing a card number', async () => {
    const { pan } = await cardHolder('520473');
    const answer = await simulate('mdes', {
      tokenRequestorId: '50110030273',
      account: { accountNumber: pan, expiryMonth: 13, expiryYear: 2031 },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('account.expiryMonth');
    expect(JSON.stringify(answer.body)).not.toContain(pan);
  });

  it('no decision row holds a card number', async () => {
    const { rows } = await stack.pool.query<{ row: string }>(
      'SELECT row_to_json(d)::text AS row FROM tokenisation_decisions d',
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(pansDrawn.size).toBeGreaterThan(5);
    const stored = rows.map(({ row }) => row).join('\n');
    for (const pan of pansDrawn) expect([pan, stored.includes(pan)]).toEqual([pan, false]);
  });
});
