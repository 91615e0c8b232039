/**
 * The simulated Google Wallet's OpenPGP keys for the `googleOpc`, and what it hands the issuer at
 * onboarding. Two key pairs, created at the sandbox's first start and kept (mode 0600) in its data folder,
 * `wallets/google-pay-keys.json`: Google's own (the issuer encrypts to its public half; the wallet opens with
 * the private one), and the issuer's signing pair, which a real issuer makes itself and whose public half it
 * gives Google; the sandbox makes it for the issuer, as it makes the issuer's network keys.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, readKey, readPrivateKey } from 'openpgp';
import type { GoogleOpcOpeningKeys } from '../../../activities/wallets/google-pay/google-opc.js';

export const googlePayKeysFile = path.join('wallets', 'google-pay-keys.json');

interface GoogleWalletKeysDocument {
  google: { publicKey: string; privateKey: string };
  issuer: { publicKey: string; privateKey: string };
}

export interface GoogleWalletKeys {
  /** The wallet's side: Google's private key, the issuer's public key. */
  opening: GoogleOpcOpeningKeys;
  /** The issuer's side, as `wallet-credentials.json` holds it: Google's public key, the issuer's private key. */
  onboarding: { opcEncryptionKeys: string[]; issuerOpcSigningKey: string };
}

async function keyPair(name: string): Promise<{ publicKey: string; privateKey: string }> {
  const { publicKey, privateKey } = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name }],
    format: 'armored',
  });
  return { publicKey, privateKey };
}

/** The wallet's keys, created at first start (two sandboxes starting on one folder agree on the first one's). */
export async function openGoogleWalletKeys(dataDir: string): Promise<GoogleWalletKeys> {
  const file = path.join(dataDir, googlePayKeysFile);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const [google, issuer] = await Promise.all([
      keyPair('Sandbox Google Wallet'),
      keyPair('Sandbox issuer (googleOpc)'),
    ]);
    const document: GoogleWalletKeysDocument = { google, issuer };
    await writeFile(file, `${JSON.stringify(document, null, 2)}\n`, { flag: 'wx', mode: 0o600 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  const { google, issuer } = JSON.parse(await readFile(file, 'utf8')) as GoogleWalletKeysDocument;
  const [googleDecryptionKey, issuerVerificationKey] = await Promise.all([
    readPrivateKey({ armoredKey: google.privateKey }),
    readKey({ armoredKey: issuer.publicKey }),
  ]);
  return {
    opening: { googleDecryptionKeys: [googleDecryptionKey], issuerVerificationKeys: [issuerVerificationKey] },
    onboarding: { opcEncryptionKeys: [google.publicKey], issuerOpcSigningKey: issuer.privateKey },
  };
}
