// Web push provisioning end to end on the local engine stack, through the sandbox wallets' web windows: for
// each wallet and network, a customer's card on file -> a session at the wallet's window -> the engine's web
// push -> Apple Pay and Samsung Pay: the issuer's envelope handed to the window, its JWS verified with the
// issuer's published keys; Google Pay: the issuer's server notified the wallet (OpenPGP), the window confirms
// -> the network tokenises the OPC inside -> the enrollment COMPLETED and the token ACTIVE. Then what is
// refused: the session again, an envelope altered or for another session, a notification replayed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet, WebPushDelivery } from '../../domain/wallets.js';
import { enrollmentReaches } from '../support/api-caller.js';
import { postJson } from '../support/apple-wallet.js';
import { startEngineStack, type EngineStack } from '../support/engine-stack.js';
import { addFromWeb, openWebSession, pushFromWeb, webSlugs, type WebSession } from '../support/web-wallet.js';
import { customerWithCard, sandboxLedger, tokenReaches } from '../support/wallet-customers.js';

const networks = [
  { network: 'MASTERCARD', bin: '520473', sandbox: 'mdes' },
  { network: 'VISA', bin: '411111', sandbox: 'vts' },
] as const;
const wallets: { wallet: Wallet; method: WebPushDelivery['method'] }[] = [
  { wallet: 'APPLE_PAY', method: 'ENVELOPE' },
  { wallet: 'GOOGLE_PAY', method: 'NOTIFIED' },
  { wallet: 'SAMSUNG_PAY', method: 'ENVELOPE' },
];
const table = wallets.flatMap((wallet) =>
  networks.map((network) => [`${wallet.wallet} ${network.network}`, { ...wallet, ...network }] as const),
);

let stack: EngineStack;

beforeAll(async () => {
  stack = await startEngineStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function pushed(wallet: Wallet, bin: string) {
  const { customer, cardId, pan } = await customerWithCard(stack, bin);
  const session = await openWebSession(stack, wallet);
  const answer = await pushFromWeb(stack, customer, cardId, wallet, session);
  expect([answer.status, JSON.stringify(answer.body)]).toEqual([201, expect.any(String)]);
  const body = answer.body as unknown as { wallet: string; enrollmentId: string; web: WebPushDelivery };
  expect(body.wallet).toBe(wallet);
  return { customer, cardId, pan, session, enrollmentId: body.enrollmentId, web: body.web };
}

describe('web push provisioning through the sandbox wallets', () => {
  it.each(table)('%s: session -> engine -> wallet -> ACTIVE, enrollment COMPLETED', async (_name, row) => {
    const { customer, pan, session, enrollmentId, web } = await pushed(row.wallet, row.bin);
    expect(web.method).toBe(row.method);
    expect(JSON.stringify(web)).not.toContain(pan);
    if (web.method === 'NOTIFIED') {
      // The sealed notification went from server to server; the page learns only that it was sent.
      expect(web).toEqual({ method: 'NOTIFIED', sessionId: session.sessionId });
    } else {
      expect(web.envelope.jws.header.kid).toEqual(expect.any(String));
      const claims = JSON.parse(Buffer.from(web.envelope.jws.payload, 'base64url').toString()) as Record<
        string,
        unknown
      >;
      expect(claims).toMatchObject({ wallet: row.wallet, sessionId: session.sessionId, network: row.network });
      expect(claims.lastDigits).toBe(pan.slice(-4));
    }

    const added = await addFromWeb(stack, row.wallet, session, web);
    expect(added).toMatchObject({ status: 200, body: { status: 'ACTIVE', network: row.network } });
    expect((await enrollmentReaches(customer, enrollmentId, 'COMPLETED')).status).toBe('COMPLETED');
    await tokenReaches(customer, added.body.tokenUniqueReference!, 'ACTIVE');
    const view = (await customer.call('GET', `/v1/enrollments/${enrollmentId}`)).body as {
      wallet?: { wallet: string; deviceType: string };
    };
    expect(view.wallet).toEqual({ wallet: row.wallet, deviceType: 'BROWSER' });
    // Operators read the enrollment in the Temporal UI: its summary, and its current details, card masked.
    const handle = stack.client.workflow.getHandle(enrollmentId);
    expect(await (await handle.describe()).staticSummary()).toMatch(
      new RegExp(`^Enrollment: 1 card to token requestor \\d{11}, ${row.wallet} \\(BROWSER\\)$`),
    );
    const { currentDetails } = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(currentDetails).toContain('**Status** COMPLETED');
    expect(currentDetails).toContain(`${pan.slice(0, 6)}******${pan.slice(-4)} (${row.network}): ACTIVE`);
    expect(currentDetails).not.toContain(pan);

    const again = await addFromWeb(stack, row.wallet, session, web);
    expect([again.status, again.body.code]).toEqual([409, 'PAYLOAD_REPLAYED']);
    expect(JSON.stringify(await sandboxLedger(stack, 'tokenRequestors'))).not.toContain(pan);
    expect(JSON.stringify(await sandboxLedger(stack, row.sandbox))).not.toContain(pan);
  });
});

describe('what web push provisioning refuses, end to end', () => {
  it('lists the wallets offered and their web windows', async () => {
    const { customer } = await customerWithCard(stack, '520473');
    const { body } = await customer.call('GET', '/v1/wallets');
    const listed = (body as unknown as { wallets: { wallet: string; webPush?: { windowUrl: string } }[] }).wallets;
    expect(listed.map((each) => [each.wallet, each.webPush?.windowUrl])).toEqual(
      wallets.map(({ wallet }) => [wallet, `${stack.sandbox.urls.tokenRequestors}/wallets/${webSlugs[wallet]}/web`]),
    );
  });

  it("another customer's card is a 404; a session id holding a card number a 400 that does not repeat it", async () => {
    const { cardId } = await customerWithCard(stack, '520473');
    const { customer, pan, cardId: own } = await customerWithCard(stack, '411111');
    const session = await openWebSession(stack, 'APPLE_PAY');
    expect((await pushFromWeb(stack, customer, cardId, 'APPLE_PAY', session)).status).toBe(404);
    const hostile = await pushFromWeb(stack, customer, own, 'APPLE_PAY', { ...session, sessionId: pan });
    expect(hostile.status).toBe(400);
    expect(JSON.stringify(hostile.body)).not.toContain(pan);
  });

  it('the same session again: 409, nothing started', async () => {
    const { customer, cardId, session } = await pushed('SAMSUNG_PAY', '520473');
    const again = await pushFromWeb(stack, customer, cardId, 'SAMSUNG_PAY', session);
    expect(again.status).toBe(409);
    expect((again.body as { type?: string }).type).toMatch(/wallet-web-session-replayed$/);
  });

  it("an envelope altered on the way: the wallet finds the issuer's signature broken", async () => {
    const { session, web } = await pushed('APPLE_PAY', '411111');
    if (web.method !== 'ENVELOPE') throw new Error('expected an envelope');
    const claims = JSON.parse(Buffer.from(web.envelope.jws.payload, 'base64url').toString()) as Record<string, unknown>;
    const payload = Buffer.from(JSON.stringify({ ...claims, lastDigits: '0000' })).toString('base64url');
    const altered = { ...web, envelope: { ...web.envelope, jws: { ...web.envelope.jws, payload } } };
    const added = await addFromWeb(stack, 'APPLE_PAY', session, altered);
    expect([added.status, added.body.code]).toEqual([422, 'PAYLOAD_UNREADABLE']);
  });

  it('an envelope handed to another session of the wallet: refused', async () => {
    const { web } = await pushed('SAMSUNG_PAY', '520473');
    const other = await openWebSession(stack, 'SAMSUNG_PAY');
    const added = await addFromWeb(stack, 'SAMSUNG_PAY', other, web);
    expect([added.status, added.body.code]).toEqual([422, 'NONCE_MISMATCH']);
  });

  it("Google's notification endpoint takes a session's notification once, and nothing unsigned", async () => {
    const url = `${stack.sandbox.urls.tokenRequestors}/wallets/${webSlugs.GOOGLE_PAY}/secure-serving/gsp/v1/pushProvisioningNotification/pushprov-sandbox-issuer`;
    const garbage = await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'bm90LXBncA' });
    expect(garbage.status).toBe(422);
    const session: WebSession = await openWebSession(stack, 'GOOGLE_PAY');
    const confirmed = await postJson(
      `${stack.sandbox.urls.tokenRequestors}/wallets/google-pay/web/sessions/${session.sessionId}/confirm`,
      {},
    );
    expect(confirmed.status).toBe(409);
  });
});
