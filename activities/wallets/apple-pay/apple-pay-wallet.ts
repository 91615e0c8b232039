/**
 * Apple Pay in-app (PassKit) behind the engine's wallet seam: the device material PassKit handed the app
 * (certificate chain, nonce, nonce signature) checked against the roots Apple handed the issuer, and
 * PKAddPaymentPassRequest's fields built: encryptedPassData over Apple's public plaintext, encrypted for
 * the leaf certificate's key by the scheme PassKit asked for (activities/crypto/encryption/passkit-profiles.ts:
 * the public construction; a certified ECC_V2 / RSA_V2 implementation drops in there), and the network's
 * activation data beside it.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { WalletRefusalReason, WalletRequestRefused, type WalletDeviceMaterial } from '../../../domain/wallets.js';
import { passKitPlaintext } from '../../crypto/encryption/passkit-profiles.js';
import { walletPayloadProfiles } from '../../crypto/encryption/profile-registry.js';
import type { WalletOnboardingKeys } from '../../keys/wallet-credentials.js';
import type { WalletAdapter } from '../wallet-adapter.js';
import { verifyPassKitDeviceMaterial, type PassKitDeviceMaterial } from './passkit-chain.js';

export const applePayWallet: WalletAdapter = {
  id: 'APPLE_PAY',
  brand: 'Apple Pay',
  pushMethod: 'IOS',
  // From the issuer's web page: the envelope web-push.ts signs, which the wallet's web window takes.
  webPush: { method: 'ENVELOPE' },

  verifyDevice(device, onboarding, now) {
    verified(device, onboarding, now);
  },

  // One enrollment per wallet nonce: the same nonce again meets the same workflow, which refuses it.
  provisioningIdentity({ device }) {
    const { nonce } = decoded(device);
    return {
      key: createHash('sha256').update(nonce).digest('hex'),
      reusePolicy: 'REJECT_DUPLICATE',
      alreadyAnswered: WalletRefusalReason.NonceReplayed,
    };
  },

  // The chain was verified by verifyDevice: the leaf's key is read, not verified a second time.
  async payload({ card, device, activationData }) {
    const material = decoded(device);
    const leafPublicKey = new X509Certificate(material.certificates[0]!).publicKey;
    const plaintext = passKitPlaintext(card, material.nonce, material.nonceSignature);
    const encrypted = await walletPayloadProfiles[material.scheme](plaintext, leafPublicKey);
    return { wallet: 'APPLE_PAY', applePay: { ...encrypted, activationData } };
  },
};

function verified(device: WalletDeviceMaterial, onboarding: WalletOnboardingKeys, now: Date): void {
  if (onboarding.wallet !== 'APPLE_PAY')
    throw new TypeError("Apple Pay's device material is checked with Apple's onboarding");
  verifyPassKitDeviceMaterial(decoded(device), { roots: onboarding.trustedRoots }, now);
}

/** The app's base64 fields as bytes; the API's schema has already bounded their shapes. */
function decoded(device: WalletDeviceMaterial): PassKitDeviceMaterial {
  if (!('applePay' in device)) {
    throw new WalletRequestRefused(
      WalletRefusalReason.CertificateChainMalformed,
      "The device material is not PassKit's",
    );
  }
  const { certificates, nonce, nonceSignature, encryptionScheme } = device.applePay;
  const bytes = (base64: string): Buffer => Buffer.from(base64, 'base64');
  return {
    certificates: certificates.map(bytes),
    nonce: bytes(nonce),
    nonceSignature: bytes(nonceSignature),
    scheme: encryptionScheme,
  };
}
