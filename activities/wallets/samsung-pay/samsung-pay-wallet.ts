/**
 * Samsung Pay in-app behind the engine's wallet seam: the app sends the wallet user and device ids it read
 * (`SamsungPay.getWalletInfo`); the engine answers what `CardManager.addCard` takes, `AddCardInfo`'s card
 * type and tokenization provider with the card's network's opaque payment card as EXTRA_PROVISION_PAYLOAD.
 * Samsung Pay takes the networks' public push-provisioning payloads (the same OPC construction as Google
 * Pay's, in each network's folder, made for this wallet user and device); Samsung's own partner formats are
 * not public, and a Samsung-specific payload would replace `payload` here and nothing else. No device
 * certificate: Samsung vouches for the device when it tokenises.
 */
import type { CardNetwork } from '../../../domain/enrollment.js';
import { ErrorType } from '../../../domain/errors.js';
import {
  WalletRefusalReason,
  WalletRequestRefused,
  type SamsungPayDeviceMaterial,
  type SamsungTokenizationProvider,
  type WalletDeviceMaterial,
} from '../../../domain/wallets.js';
import { nonRetryable } from '../../enrollment/failures.js';
import { checkedIds, deviceIdsIdentity } from '../device-ids.js';
import type { WalletAdapter } from '../wallet-adapter.js';

/** `AddCardInfo.PROVIDER_*`, as Samsung's public SDK names the networks it takes. */
const tokenizationProviders: Partial<Record<CardNetwork, SamsungTokenizationProvider>> = {
  MASTERCARD: 'MI',
  VISA: 'VI',
};

export const samsungPayWallet: WalletAdapter = {
  id: 'SAMSUNG_PAY',
  brand: 'Samsung Pay',
  pushMethod: 'ANDROID',
  // From the issuer's web page: the envelope web-push.ts signs, which the wallet's web window takes.
  webPush: { method: 'ENVELOPE' },

  verifyDevice(device) {
    samsungDevice(device);
  },

  provisioningIdentity({ device, cardRef }) {
    const { walletUserId, deviceId } = samsungDevice(device);
    return deviceIdsIdentity([walletUserId, deviceId], cardRef);
  },

  async payload({ card, device, onboarding, network, credentials, tokenRequestorId, activationData, now }) {
    const { walletUserId, deviceId } = samsungDevice(device);
    if (onboarding.wallet !== 'SAMSUNG_PAY') throw new TypeError("Samsung Pay's payload takes Samsung's onboarding");
    const tokenizationProvider = tokenizationProviders[network.id];
    if (!tokenizationProvider) {
      throw nonRetryable(ErrorType.NotEligible, `Samsung Pay takes no ${network.brand} cards from this issuer`);
    }
    const provisionPayload = await network.pushTokenizeOpc({
      card,
      activationData,
      // The network's OPC names the wallet's account: Samsung's is its wallet user.
      device: { walletAccountId: walletUserId, deviceId },
      tokenRequestorId,
      credentials,
      now,
    });
    return {
      wallet: 'SAMSUNG_PAY',
      samsungPay: {
        cardType: 'CREDIT_DEBIT',
        tokenizationProvider,
        provisionPayload,
        network: network.id,
        displayName: `${network.brand} •••• ${card.pan.slice(-4)}`,
        lastDigits: card.pan.slice(-4),
      },
    };
  },
};

/** The material as Samsung's, its ids ids; the API's schema has bounded them already, this checks again. */
function samsungDevice(device: WalletDeviceMaterial): SamsungPayDeviceMaterial {
  if (!('samsungPay' in device)) {
    throw new WalletRequestRefused(
      WalletRefusalReason.DeviceMaterialMalformed,
      "The device material is not Samsung Pay's",
    );
  }
  const { walletUserId, deviceId } = device.samsungPay;
  return checkedIds({ walletUserId, deviceId }, 'Samsung Pay');
}
