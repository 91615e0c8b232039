/**
 * Google Pay in-app (TapAndPay's pushTokenize) behind the engine's wallet seam: the app sends the wallet
 * account and device ids it read; the engine answers what `PushTokenizeRequest` takes, the card's network's
 * opaque payment card (the network builds it, in its own folder) with the cardholder's display data, and
 * Unified Push Provisioning's `googleOpc` beside it (google-opc.ts). There is no device certificate to
 * check: Google vouches for the device when it tokenises.
 */
import { ErrorType } from '../../../domain/errors.js';
import {
  WalletRefusalReason,
  WalletRequestRefused,
  type GooglePayDeviceMaterial,
  type WalletDeviceMaterial,
} from '../../../domain/wallets.js';
import { nonRetryable } from '../../enrollment/failures.js';
import { checkedIds, deviceIdsIdentity } from '../device-ids.js';
import type { WalletAdapter } from '../wallet-adapter.js';
import { sealGoogleOpc } from './google-opc.js';
import { tokenServiceProviders, userAddressOf } from './google-pay-fields.js';
import { googleWebPush } from './google-web-push.js';

export const googlePayWallet: WalletAdapter = {
  id: 'GOOGLE_PAY',
  brand: 'Google Pay',
  pushMethod: 'ANDROID',
  webPush: googleWebPush,

  verifyDevice(device) {
    googleDevice(device);
  },

  provisioningIdentity({ device, cardRef }) {
    const { walletAccountId, deviceId } = googleDevice(device);
    return deviceIdsIdentity([walletAccountId, deviceId], cardRef);
  },

  async payload({
    card,
    device,
    onboarding,
    network,
    credentials,
    tokenRequestorId,
    activationData,
    reference,
    holder,
    now,
  }) {
    const material = googleDevice(device);
    if (onboarding.wallet !== 'GOOGLE_PAY')
      throw new TypeError("Google Pay's payload is sealed with Google's onboarding");
    const tokenServiceProvider = tokenServiceProviders[network.id];
    if (!tokenServiceProvider) {
      throw nonRetryable(ErrorType.NotEligible, `Google Pay takes no ${network.brand} cards from this issuer`);
    }
    const [opaquePaymentCard, googleOpc] = await Promise.all([
      network.pushTokenizeOpc({ card, activationData, device: material, tokenRequestorId, credentials, now }),
      onboarding.opcKeys().then((keys) =>
        sealGoogleOpc(
          {
            protocolHeader: { version: 1 },
            validationContext: { serverSessionId: reference },
            paymentCard: { accountNumber: card.pan, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear },
          },
          keys,
        ),
      ),
    ]);
    const userAddress = userAddressOf(card.cardholderName, holder);
    return {
      wallet: 'GOOGLE_PAY',
      googlePay: {
        opaquePaymentCard,
        network: network.id,
        tokenServiceProvider,
        displayName: `${network.brand} •••• ${card.pan.slice(-4)}`,
        lastDigits: card.pan.slice(-4),
        ...(userAddress && { userAddress }),
        googleOpc,
      },
    };
  },
};

/** The material as Google's, its ids ids; the API's schema has bounded them already, this checks again. */
function googleDevice(device: WalletDeviceMaterial): GooglePayDeviceMaterial {
  if (!('googlePay' in device)) {
    throw new WalletRequestRefused(
      WalletRefusalReason.DeviceMaterialMalformed,
      "The device material is not TapAndPay's",
    );
  }
  const { walletAccountId, deviceId } = device.googlePay;
  return checkedIds({ walletAccountId, deviceId }, 'TapAndPay');
}
