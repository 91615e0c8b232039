/**
 * "Add to Apple Wallet" on the local engine stack, as the issuer's app drives it: a provisioning session at
 * the sandbox's Apple Wallet (what PassKit's delegate hands the app), the engine's wallet provisioning with
 * the app session's assertion, then the engine's payload handed to the wallet (what the app hands PassKit).
 */
import { randomBytes } from 'node:crypto';
import { signAuthenticationProof } from '../../activities/crypto/authentication-proof.js';
import { sessionAssertionAudience } from '../../activities/enrollment/session-assertion.js';
import type { PassKitScheme } from '../../domain/wallets.js';
import type { Caller } from './api-caller.js';
import type { EngineStack } from './engine-stack.js';

export interface WalletSession {
  sessionId: string;
  certificates: string[];
  nonce: string;
  nonceSignature: string;
  encryptionScheme: PassKitScheme;
}

export interface ApplePayPayload {
  encryptedPassData: string;
  activationData: string;
  ephemeralPublicKey?: string;
  wrappedKey?: string;
}

export interface WalletAnswer {
  status: number;
  body: {
    status?: string;
    code?: string;
    network?: string;
    maskedPan?: string;
    tokenUniqueReference?: string;
    declinedBy?: string;
    reason?: string;
  };
}

const walletUrl = (stack: EngineStack, path: string): string =>
  `${stack.sandbox.urls.tokenRequestors}/wallets/apple-pay${path}`;

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer: unknown = await response.json();
  return { status: response.status, body: answer };
}

/** A provisioning session at the wallet for a new device. */
export async function openWalletSession(
  stack: EngineStack,
  encryptionScheme: PassKitScheme,
  certificate: 'valid' | 'untrusted' | 'expired' = 'valid',
): Promise<WalletSession> {
  const deviceId = `device-${randomBytes(6).toString('hex')}`;
  const answer = await postJson(walletUrl(stack, `/devices/${deviceId}/provisioning-sessions`), {
    encryptionScheme,
    certificate,
  });
  if (answer.status !== 201) throw new Error(`the wallet answered the session with ${answer.status}`);
  return answer.body as WalletSession;
}

/** The app session's assertion, signed as the issuer's app backend would, with the engine's keys. */
export async function sessionAssertionFor(stack: EngineStack, customerId: string): Promise<string> {
  const proof = await signAuthenticationProof(stack.keys.signing, {
    issuer: stack.keys.networks.issuerId,
    subject: customerId,
    audience: sessionAssertionAudience,
    methods: ['pin', 'mfa'],
  });
  return proof.token;
}

/** The engine's wallet provisioning for this card with the session's device material. */
export async function provisionAtEngine(
  stack: EngineStack,
  customer: Caller,
  cardId: string,
  session: WalletSession,
): ReturnType<Caller['call']> {
  return customer.call('POST', `/v1/cards/${cardId}/wallet-provisioning`, {
    wallet: 'APPLE_PAY',
    deviceType: 'MOBILE_PHONE',
    sessionAssertion: await sessionAssertionFor(stack, customer.customerId),
    applePay: {
      certificates: session.certificates,
      nonce: session.nonce,
      nonceSignature: session.nonceSignature,
      encryptionScheme: session.encryptionScheme,
    },
  });
}

/** The payload handed to the wallet (PassKit's PKAddPaymentPassRequest). */
export async function addPaymentPass(
  stack: EngineStack,
  session: WalletSession,
  payload: ApplePayPayload,
): Promise<WalletAnswer> {
  return (await postJson(
    walletUrl(stack, `/provisioning-sessions/${session.sessionId}/add-payment-pass`),
    payload,
  )) as WalletAnswer;
}

/** A simulated wallet's knobs on the token requestors' server (a partial change, as PATCH takes it). */
export async function walletKnobs(
  stack: EngineStack,
  knobs: { timesOut?: boolean; declines?: boolean; requiresActivation?: boolean },
  wallet: 'applePay' | 'googlePay' | 'samsungPay' = 'applePay',
): Promise<void> {
  const response = await fetch(`${stack.sandbox.urls.tokenRequestors}/sandbox/knobs`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ wallets: { [wallet]: knobs } }),
  });
  if (response.status !== 200) throw new Error(`the knobs answered ${response.status}: ${await response.text()}`);
}

/** The card's id in the API, for a card the vault holds for this customer. */
export async function cardIdOf(customer: Caller, maskedPan: string): Promise<string> {
  const cards = await customer.call('GET', '/v1/cards');
  const card = cards.body.cards.find((candidate) => candidate.maskedPan === maskedPan);
  if (!card) throw new Error(`no card ${maskedPan} for this customer`);
  return card.id;
}
