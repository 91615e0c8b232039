/**
 * The simulated Apple Wallet's PKI, created at the sandbox's first start and kept (mode 0600) in its data
 * folder, `wallets/apple-pay-pki.json`; its root is what the wallet hands the issuer at onboarding
 * (../wallet-credentials.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
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
