/**
 * Web push provisioning on the local engine stack, as the issuer's web page drives it: a session opened at
 * the sandbox wallet's web window (what its page posts to the issuer's), the engine's web push for the card
 * with the app session's assertion, and then the wallet's side: the envelope handed to the window (Apple
 * Pay, Samsung Pay), or the window's confirmation once the issuer's server notified the wallet (Google Pay).
 */
import type { Wallet, WebPushDelivery } from '../../domain/wallets.js';
import type { Caller } from './api-caller.js';
import { postJson, sessionAssertionFor, type WalletAnswer } from './apple-wallet.js';
import type { EngineStack } from './engine-stack.js';

export const webSlugs: Record<Wallet, string> = {
  APPLE_PAY: 'apple-pay',
  GOOGLE_PAY: 'google-pay',
  SAMSUNG_PAY: 'samsung-pay',
};

export interface WebSession {
  sessionId: string;
  walletAccountId: string;
  deviceId: string;
}

const webUrl = (stack: EngineStack, wallet: Wallet, path: string): string =>
  `${stack.sandbox.urls.tokenRequestors}/wallets/${webSlugs[wallet]}/web${path}`;

/** A new session at the wallet's web window, as its page opens one. */
export async function openWebSession(stack: EngineStack, wallet: Wallet): Promise<WebSession> {
  const answer = await postJson(webUrl(stack, wallet, '/sessions'), {});
  if (answer.status !== 201) throw new Error(`the web wallet answered the session with ${answer.status}`);
  return answer.body as WebSession;
}

/** The engine's web push for this card and session. */
export async function pushFromWeb(
  stack: EngineStack,
  customer: Caller,
  cardId: string,
  wallet: Wallet,
  session: WebSession,
): ReturnType<Caller['call']> {
  return customer.call('POST', `/v1/cards/${cardId}/web-push-provisioning`, {
    wallet,
    sessionAssertion: await sessionAssertionFor(stack, customer.customerId),
    session,
  });
}

/** The wallet's side of what the engine answered: the envelope handed on, or the notified session confirmed. */
export async function addFromWeb(
  stack: EngineStack,
  wallet: Wallet,
  session: WebSession,
  web: WebPushDelivery,
): Promise<WalletAnswer> {
  const path =
    web.method === 'ENVELOPE' ? `/sessions/${session.sessionId}/envelope` : `/sessions/${session.sessionId}/confirm`;
  return (await postJson(webUrl(stack, wallet, path), web.method === 'ENVELOPE' ? web.envelope : {})) as WalletAnswer;
}
