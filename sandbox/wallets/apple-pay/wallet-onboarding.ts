/**
 * The simulated Apple Wallet's PKI and what it hands the issuer at onboarding. The PKI is created at the
 * sandbox's first start and kept (mode 0600) in its data folder, `wallets/apple-pay-pki.json`; at every
 * start the wallet's credentials document is written beside the issuer's network credentials, where the
 * engine reads it: the root its device certificates chain to, and its token requestor id at each network.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { walletCredentialsFileName } from '../../../activities/keys/key-store.js';
import type { WalletCredentialsDocument } from '../../../activities/keys/wallet-credentials.js';
import { writeAtomically } from '../../keys.js';
import { applePayTokenRequestorId } from '../../token-requestors/catalogue.js';
import { sandboxNetworks } from '../../token-requestors/networks.js';
import {
  createWalletPki,
  exportWalletPki,
  importWalletPki,
  type WalletPki,
  type WalletPkiDocument,
} from '../device-pki.js';

export const applePayPkiFile = path.join('wallets', 'apple-pay-pki.json');

const walletName = 'Sandbox Apple Wallet';

/** The wallet's PKI, created at first start (two sandboxes starting on one folder agree on the first one's). */
export async function openApplePayPki(dataDir: string): Promise<WalletPki> {
  const file = path.join(dataDir, applePayPkiFile);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const document = exportWalletPki(await createWalletPki(walletName));
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`, { flag: 'wx', mode: 0o600 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  return importWalletPki(JSON.parse(await readFile(file, 'utf8')) as WalletPkiDocument);
}

/** (Re)writes `wallet-credentials.json` beside the issuer's credentials; returns its path. */
export async function writeWalletCredentials(dataDir: string, pki: WalletPki): Promise<string> {
  const document: WalletCredentialsDocument = {
    APPLE_PAY: {
      trustedRoots: [pki.rootCertificatePem],
      // One id at every network, as the catalogue lists it.
      tokenRequestorIds: Object.fromEntries(
        sandboxNetworks.map((network) => [network.cardNetwork, applePayTokenRequestorId]),
      ),
    },
  };
  const file = path.join(dataDir, walletCredentialsFileName);
  await writeAtomically(file, document);
  return file;
}
