/**
 * What the simulated wallets hand the issuer at onboarding, written at every start beside the issuer's
 * network credentials as `wallet-credentials.json`, where the engine reads it: Apple's root its device
 * certificates chain to; Google's OpenPGP key and the issuer's signing key for the `googleOpc`; Samsung
 * nothing of its own (it takes the networks' payloads); Google's web push notification endpoint on the token
 * requestors' server; and each
 * wallet's token requestor id at each network (one id at every network, as the catalogue lists it).
 */
import path from 'node:path';
import { walletCredentialsFileName } from '../../activities/keys/key-store.js';
import type { WalletCredentialsDocument } from '../../activities/keys/wallet-credentials.js';
import { writeAtomically } from '../keys.js';
import {
  applePayTokenRequestorId,
  googlePayTokenRequestorId,
  samsungPayTokenRequestorId,
} from '../token-requestors/catalogue.js';
import { sandboxNetworks } from '../token-requestors/networks.js';
import type { WalletPki } from './device-pki.js';
import type { GoogleWalletKeys } from './google-pay/google-wallet-keys.js';
import { googleNotificationBase, sandboxIntegratorId, webWindowUrl } from './web/routes.js';

const atEveryNetwork = (tokenRequestorId: string) =>
  Object.fromEntries(sandboxNetworks.map((network) => [network.cardNetwork, tokenRequestorId]));

/** (Re)writes `wallet-credentials.json` beside the issuer's credentials; returns its path. */
export async function writeWalletCredentials(
  dataDir: string,
  wallets: { applePay: WalletPki; googlePay: GoogleWalletKeys; tokenRequestorsBaseUrl: string },
): Promise<string> {
  const document: WalletCredentialsDocument = {
    APPLE_PAY: {
      trustedRoots: [wallets.applePay.rootCertificatePem],
      webWindowUrl: webWindowUrl(wallets.tokenRequestorsBaseUrl, 'apple-pay'),
      tokenRequestorIds: atEveryNetwork(applePayTokenRequestorId),
    },
    GOOGLE_PAY: {
      ...wallets.googlePay.onboarding,
      webPushProvisioning: {
        notificationUrl: `${wallets.tokenRequestorsBaseUrl}${googleNotificationBase}`,
        integratorId: sandboxIntegratorId,
      },
      webWindowUrl: webWindowUrl(wallets.tokenRequestorsBaseUrl, 'google-pay'),
      tokenRequestorIds: atEveryNetwork(googlePayTokenRequestorId),
    },
    SAMSUNG_PAY: {
      webWindowUrl: webWindowUrl(wallets.tokenRequestorsBaseUrl, 'samsung-pay'),
      tokenRequestorIds: atEveryNetwork(samsungPayTokenRequestorId),
    },
  };
  const file = path.join(dataDir, walletCredentialsFileName);
  await writeAtomically(file, document);
  return file;
}
