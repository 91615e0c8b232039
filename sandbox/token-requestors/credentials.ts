/**
 * The token requestors' own credentials with the networks, as each wallet or merchant gets them from
 * Mastercard and Visa: an OAuth 1.0a consumer key and RSA signing key for MDES, an API key and shared
 * secret for VTS. Generated at first start into the sandbox's data folder (mode 0600). The networks
 * authenticate the token requestor's calls with them, and the token requestor may speak only for itself.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface TokenRequestorCredentials {
  tokenRequestorId: string;
  mdes: { consumerKey: string; signingKeyPem: string; publicKey: KeyObject };
  vts: { apiKey: string; sharedSecret: string };
}

interface Stored {
  tokenRequestorId: string;
  mdes: { consumerKey: string; signingKeyPem: string };
  vts: { apiKey: string; sharedSecret: string };
}

export const tokenRequestorCredentialsFileName = 'token-requestor-credentials.json';

/** The credentials of each token requestor, by id; those missing from the file are generated and kept. */
export async function openTokenRequestorCredentials(
  dataDir: string,
  tokenRequestorIds: readonly string[],
): Promise<Map<string, TokenRequestorCredentials>> {
  const file = path.join(dataDir, tokenRequestorCredentialsFileName);
  const stored: Stored[] = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as Stored[]) : [];
  const missing = tokenRequestorIds.filter((id) => !stored.some((entry) => entry.tokenRequestorId === id));
  if (missing.length > 0) {
    stored.push(...missing.map(generate));
    await writeFile(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return new Map(
    stored.map((entry) => [
      entry.tokenRequestorId,
      { ...entry, mdes: { ...entry.mdes, publicKey: createPublicKey(createPrivateKey(entry.mdes.signingKeyPem)) } },
    ]),
  );
}

function generate(tokenRequestorId: string): Stored {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    tokenRequestorId,
    mdes: {
      // Mastercard's consumer keys: 24 characters, '!' and a 48-character key id.
      consumerKey: `${randomBytes(18).toString('base64url')}!${randomBytes(24).toString('hex')}`,
      signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    vts: {
      apiKey: randomBytes(15).toString('hex').toUpperCase(),
      sharedSecret: randomBytes(24).toString('base64url'),
    },
  };
}
