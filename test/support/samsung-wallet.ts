/**
 * "Add to Samsung Pay" on the local engine stack, as the issuer's Android app drives it: the device's wallet
 * user and device ids read from the sandbox's Samsung Wallet (`getWalletInfo`), the engine's wallet
 * provisioning with the app session's assertion, the engine's answer handed to `addCard`, and a card
 * waiting for verification verified by its token's reference.
 */
import { randomBytes } from 'node:crypto';
import type { SamsungPayPayload } from '../../domain/wallets.js';
import type { Caller } from './api-caller.js';
import { postJson, sessionAssertionFor, type WalletAnswer } from './apple-wallet.js';
import type { EngineStack } from './engine-stack.js';

export interface SamsungDevice {
  walletUserId: string;
  deviceId: string;
}

const walletUrl = (stack: EngineStack, path: string): string =>
  `${stack.sandbox.urls.tokenRequestors}/wallets/samsung-pay${path}`;

/** A new device's wallet at the sandbox's Samsung Wallet. */
export async function samsungDevice(stack: EngineStack): Promise<SamsungDevice> {
  const answer = await postJson(walletUrl(stack, `/devices/galaxy-${randomBytes(6).toString('hex')}/wallet-info`), {});
  if (answer.status !== 200) throw new Error(`the wallet answered the device with ${answer.status}`);
  return answer.body as SamsungDevice;
}

/** The engine's wallet provisioning for this card and device. */
export async function provisionForSamsung(
  stack: EngineStack,
  customer: Caller,
  cardId: string,
  device: SamsungDevice,
): ReturnType<Caller['call']> {
  return customer.call('POST', `/v1/cards/${cardId}/wallet-provisioning`, {
    wallet: 'SAMSUNG_PAY',
    deviceType: 'MOBILE_PHONE',
    sessionAssertion: await sessionAssertionFor(stack, customer.customerId),
    samsungPay: device,
  });
}

/** The engine's answer handed to Samsung Pay's addCard on this device. */
export async function addCard(
  stack: EngineStack,
  device: SamsungDevice,
  payload: SamsungPayPayload,
): Promise<WalletAnswer> {
  const { cardType, tokenizationProvider, provisionPayload } = payload;
  return (await postJson(walletUrl(stack, '/add-card'), {
    ...device,
    cardType,
    tokenizationProvider,
    provisionPayload,
  })) as WalletAnswer;
}

/** A card waiting for verification (the yellow path), verified once the cardholder has. */
export async function verifyCard(
  stack: EngineStack,
  device: SamsungDevice,
  tokenReferenceId: string,
): Promise<WalletAnswer> {
  return (await postJson(walletUrl(stack, `/cards/${encodeURIComponent(tokenReferenceId)}/verify`), {
    walletUserId: device.walletUserId,
  })) as WalletAnswer;
}
