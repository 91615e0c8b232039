/**
 * The sandbox networks' own key material, generated at first start and kept (mode 0600) in the sandbox's
 * data folder, and the credentials document a developer portal would hand the issuer: its API keys, the
 * networks' encryption certificates and the public keys that verify the networks' signatures.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { createRsaKeyWithCertificate } from '../activities/keys/rsa-key-with-certificate.js';
import type { NetworkCredentialsDocument } from '../activities/keys/network-credentials.js';

export interface SigningKeyPair {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export interface SandboxKeys {
  issuerId: string;
  mdes: {
    encryption: {
      privateKey: KeyObject;
      publicKey: KeyObject;
      certificatePem: string;
      privateKeyPem: string;
      certificateDer: Buffer;
    };
    /** Signs the receipts' JWS and MDES's calls to the issuer. */
    signing: SigningKeyPair;
    issuerConsumerKey: string;
    issuerOAuthPublicKey: KeyObject;
    issuerOAuthPrivateKeyPem: string;
  };
  vts: {
    encryption: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
    /** Signs Visa's notifications to the issuer (PS256). */
    signing: SigningKeyPair;
    issuerApiKey: string;
    issuerSharedSecret: string;
  };
}

/** What is stored: PEM text and identifiers. */
interface StoredKeys {
  issuerId: string;
  mdes: {
    encryptionKeyPem: string;
    encryptionCertificatePem: string;
    signingKeyPem: string;
    issuerConsumerKey: string;
    issuerOAuthPublicKeyPem: string;
    /** The issuer's half, handed over in its credentials document, as a developer portal's download. */
    issuerOAuthPrivateKeyPem: string;
  };
  vts: {
    encryptionKid: string;
    encryptionKeyPem: string;
    signingKeyPem: string;
    issuerApiKey: string;
    issuerSharedSecret: string;
  };
}

export const keysFileName = 'network-keys.json';
export const issuerCredentialsFileName = 'issuer-credentials.json';

export interface SandboxEndpoints {
  mdesBaseUrl: string;
  vtsBaseUrl: string;
}

/** Opens the sandbox's keys, generating them at first start. */
export async function openSandboxKeys(dataDir: string): Promise<SandboxKeys> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const file = path.join(dataDir, keysFileName);
  if (!existsSync(file)) {
    // Exclusive create: two sandboxes starting on one folder agree on the first one's keys.
    await writeFile(file, JSON.stringify(generateKeys(), null, 2), { flag: 'wx', mode: 0o600 }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      },
    );
  }
  return loadKeys(JSON.parse(await readFile(file, 'utf8')) as StoredKeys);
}

/** (Re)writes the issuer's credentials document for the endpoints the sandbox listens on now; returns its path. */
export async function writeIssuerCredentials(
  dataDir: string,
  keys: SandboxKeys,
  endpoints: SandboxEndpoints,
): Promise<string> {
  const file = path.join(dataDir, issuerCredentialsFileName);
  await writeAtomically(file, issuerCredentials(keys, endpoints));
  return file;
}

function generateKeys(): StoredKeys {
  const rsaPem = (): string =>
    generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const mdesEncryption = createRsaKeyWithCertificate('MDES sandbox encryption key');
  const issuerOAuthKeyPem = rsaPem();
  return {
    issuerId: 'pushprov-sandbox-issuer',
    mdes: {
      encryptionKeyPem: mdesEncryption.privateKeyPem,
      encryptionCertificatePem: mdesEncryption.certificatePem,
      signingKeyPem: rsaPem(),
      // Mastercard's consumer keys: 24 characters, '!' and a 48-character key id.
      issuerConsumerKey: `${randomBytes(18).toString('base64url')}!${randomBytes(24).toString('hex')}`,
      issuerOAuthPublicKeyPem: createPublicKey(issuerOAuthKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
      issuerOAuthPrivateKeyPem: issuerOAuthKeyPem,
    },
    vts: {
      encryptionKid: randomUUID().toUpperCase().replaceAll('-', '').slice(0, 20),
      encryptionKeyPem: rsaPem(),
      signingKeyPem: rsaPem(),
      issuerApiKey: randomBytes(15).toString('hex').toUpperCase(),
      issuerSharedSecret: randomBytes(24).toString('base64url'),
    },
  };
}

async function signingKeyPair(pem: string, alg: 'RS256' | 'PS256'): Promise<SigningKeyPair> {
  const privateKey = createPrivateKey(pem);
  const jwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

async function loadKeys(stored: StoredKeys): Promise<SandboxKeys> {
  const mdesEncryptionKey = createPrivateKey(stored.mdes.encryptionKeyPem);
  const vtsEncryptionKey = createPrivateKey(stored.vts.encryptionKeyPem);
  return {
    issuerId: stored.issuerId,
    mdes: {
      encryption: {
        privateKey: mdesEncryptionKey,
        publicKey: createPublicKey(mdesEncryptionKey),
        certificatePem: stored.mdes.encryptionCertificatePem,
        privateKeyPem: stored.mdes.encryptionKeyPem,
        certificateDer: Buffer.from(new X509Certificate(stored.mdes.encryptionCertificatePem).raw),
      },
      signing: await signingKeyPair(stored.mdes.signingKeyPem, 'RS256'),
      issuerConsumerKey: stored.mdes.issuerConsumerKey,
      issuerOAuthPublicKey: createPublicKey(stored.mdes.issuerOAuthPublicKeyPem),
      issuerOAuthPrivateKeyPem: stored.mdes.issuerOAuthPrivateKeyPem,
    },
    vts: {
      encryption: {
        kid: stored.vts.encryptionKid,
        privateKey: vtsEncryptionKey,
        publicKey: createPublicKey(vtsEncryptionKey),
      },
      signing: await signingKeyPair(stored.vts.signingKeyPem, 'PS256'),
      issuerApiKey: stored.vts.issuerApiKey,
      issuerSharedSecret: stored.vts.issuerSharedSecret,
    },
  };
}

export const proofAudiences = { mdes: 'MDES', vts: 'VTS' } as const;

function issuerCredentials(keys: SandboxKeys, endpoints: SandboxEndpoints): NetworkCredentialsDocument {
  return {
    issuerId: keys.issuerId,
    mdes: {
      baseUrl: endpoints.mdesBaseUrl,
      consumerKey: keys.mdes.issuerConsumerKey,
      signingKeyPem: keys.mdes.issuerOAuthPrivateKeyPem,
      encryptionCertificates: [keys.mdes.encryption.certificatePem],
      encryptionProfile: 'mdes-jwe',
      networkJwks: { keys: [keys.mdes.signing.publicJwk as JWK & { kid: string; kty: string }] },
      proofAudience: proofAudiences.mdes,
    },
    vts: {
      baseUrl: endpoints.vtsBaseUrl,
      apiKey: keys.vts.issuerApiKey,
      sharedSecrets: [keys.vts.issuerSharedSecret],
      encryptionKeys: [
        {
          kid: keys.vts.encryption.kid,
          publicKeyPem: keys.vts.encryption.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      ],
      encryptionProfile: 'vts-shared-secret-jwe',
      networkJwks: { keys: [keys.vts.signing.publicJwk as JWK & { kid: string; kty: string }] },
      proofAudience: proofAudiences.vts,
    },
  };
}

async function writeAtomically(file: string, content: unknown): Promise<void> {
  const scratch = `${file}.${randomUUID()}`;
  await writeFile(scratch, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(scratch, file);
}
