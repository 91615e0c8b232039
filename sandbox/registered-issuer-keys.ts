/**
 * The public halves of an issuer's keys kept in its HSM, registered with the sandbox as with a network's portal
 * (`issuer-public-keys.json` in the sandbox's data folder, as `npm run keys:hsm -- public-keys` writes it): the
 * sandbox verifies and encrypts with them, and the credentials document it writes holds none of the issuer's
 * private keys.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { certificateFor } from '../activities/keys/rsa-key-with-certificate.js';
import type { SandboxKeys } from './keys.js';

/** The public halves of an issuer's keys kept in its HSM, registered with the sandbox as with a network's portal. */
export const issuerPublicKeysFileName = 'issuer-public-keys.json';

const spkiPem = z.string().includes('-----BEGIN PUBLIC KEY-----', { message: 'expected an SPKI PEM public key' });
const IssuerPublicKeys = z.object({
  mdesOAuthSigningPublicKeyPem: spkiPem.optional(),
  mdesTavSigningPublicKeyPem: spkiPem.optional(),
  /** Oldest first: MDES encrypts to the newest. */
  mdesIssuerDecryptionPublicKeyPems: z.array(spkiPem).default([]),
});
type IssuerPublicKeys = z.output<typeof IssuerPublicKeys>;

export async function registeredIssuerKeys(file: string): Promise<IssuerPublicKeys | undefined> {
  if (!existsSync(file)) return undefined;
  const parsed = IssuerPublicKeys.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${file} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The issuer's registered public keys replace the pairs the sandbox made for it; their private halves are dropped. */
export function withRegisteredIssuerKeys(keys: SandboxKeys, registered: IssuerPublicKeys): SandboxKeys {
  const mdes = { ...keys.mdes };
  if (registered.mdesOAuthSigningPublicKeyPem) {
    mdes.issuerOAuthPublicKey = createPublicKey(registered.mdesOAuthSigningPublicKeyPem);
    delete mdes.issuerOAuthPrivateKeyPem;
  }
  if (registered.mdesTavSigningPublicKeyPem) {
    mdes.issuerTavPublicKey = createPublicKey(registered.mdesTavSigningPublicKeyPem);
    delete mdes.issuerTavPrivateKeyPem;
  }
  const decryption = registered.mdesIssuerDecryptionPublicKeyPems.at(-1);
  if (decryption) {
    const publicKey = createPublicKey(decryption);
    const portal = {
      commonName: 'MDES sandbox portal',
      privateKeyPem: keys.mdes.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
    mdes.issuerDecryption = {
      certificatePem: certificateFor(publicKey, 'Issuer card data decryption key (in its HSM)', portal),
      publicKey,
    };
    delete mdes.issuerDecryptionPrivateKeyPem;
  }
  return { ...keys, mdes };
}
