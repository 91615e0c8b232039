/**
 * "Add to Google Pay" on the local engine stack, as the issuer's Android app drives it: the device's active
 * wallet id and stable hardware id read from the sandbox's Google Wallet (TapAndPay's getActiveWalletId and
 * getStableHardwareId), the engine's wallet provisioning with the app session's assertion, then the engine's
 * answer handed to pushTokenize, and the yellow path resumed by the token's reference.
 */
import { randomBytes } from 'node:crypto';
import type { GooglePayPayload } from '../../domain/wallets.js';
import type { Caller } from './api-caller.js';
import { postJson, sessionAssertionFor, type WalletAnswer } from './apple-wallet.js';
import type { EngineStack } from './engine-stack.js';

export interface GoogleDevice {
  walletAccountId: string;
  deviceId: string;
}

const walletUrl = (stack: EngineStack, path: string): string =>
  `${stack.sandbox.urls.tokenRequestors}/wallets/google-pay${path}`;

/** A new device's wallet account at the sandbox's Google Wallet. */
export async function googleDevice(stack: EngineStack): Promise<GoogleDevice> {
  const name = `android-${randomBytes(6).toString('hex')}`;
  const answer = await postJson(walletUrl(stack, `/devices/${name}/active-wallet`), {});
  if (answer.status !== 200) throw new Error(`the wallet answered the device with ${answer.status}`);
  return answer.body as GoogleDevice;
}

/** The engine's wallet provisioning for this card and device. */
export async function provisionForGoogle(
  stack: EngineStack,
  customer: Caller,
  cardId: string,
  device: GoogleDevice,
): ReturnType<Caller['call']> {
  return customer.call('POST', `/v1/cards/${cardId}/wallet-provisioning`, {
    wallet: 'GOOGLE_PAY',
    deviceType: 'MOBILE_PHONE',
    sessionAssertion: await sessionAssertionFor(stack, customer.customerId),
    googlePay: device,
  });
}

/** The engine's answer handed to TapAndPay's pushTokenize on this device. */
export async function pushTokenize(
  stack: EngineStack,
  device: GoogleDevice,
  payload: GooglePayPayload,
): Promise<WalletAnswer> {
  return (await postJson(walletUrl(stack, '/push-tokenize'), { ...device, ...payload })) as WalletAnswer;
}

/** TapAndPay's tokenize(tokenReferenceId): the yellow path resumed once the cardholder has activated it. */
export async function resumeTokenize(
  stack: EngineStack,
  device: GoogleDevice,
  tokenReferenceId: string,
): Promise<WalletAnswer> {
  return (await postJson(walletUrl(stack, `/tokens/${encodeURIComponent(tokenReferenceId)}/tokenize`), {
    walletAccountId: device.walletAccountId,
  })) as WalletAnswer;
}
