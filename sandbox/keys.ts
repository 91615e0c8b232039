/**
 * The sandbox networks' own key material, generated at first start and kept (mode 0600) in the sandbox's
 * data folder, and the credentials document a developer portal would hand the issuer: its API keys, the
 * networks' encryption certificates and the public keys that verify the networks' signatures, and the
 * issuer's own MDES keys for wallets (the one MDES encrypts card data to, the one that signs TAVs), whose
 * private halves only the issuer's document holds. A key file of an older sandbox gains the keys it lacks.
 * An issuer whose keys are in an HSM registers their public halves instead (`issuer-public-keys.json`, as
 * `npm run keys:hsm -- public-keys` writes it): the sandbox then verifies and encrypts with those, as a
 * portal would, and the credentials document it writes holds none of the issuer's private keys.
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
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { createRsaKeyWithCertificate } from '../activities/keys/rsa-key-with-certificate.js';
import type { NetworkCredentialsDocument } from '../activities/keys/network-credentials.js';
import { issuerPublicKeysFileName, registeredIssuerKeys, withRegisteredIssuerKeys } from './registered-issuer-keys.js';

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
    issuerOAuthPrivateKeyPem?: string;
    /** The issuer's key MDES encrypts card data to (a wallet's tokenisation): its certificate, the network's half. */
    issuerDecryption: { certificatePem: string; publicKey: KeyObject };
    /** The public half of the issuer's key that signs TAVs, which MDES verifies. */
    issuerTavPublicKey: KeyObject;
    /** The issuer's halves, handed over in its credentials document; none when the issuer registered its own. */
    issuerDecryptionPrivateKeyPem?: string;
    issuerTavPrivateKeyPem?: string;
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
  } & IssuerWalletKeys;
  vts: {
    encryptionKid: string;
    encryptionKeyPem: string;
    signingKeyPem: string;
    issuerApiKey: string;
    issuerSharedSecret: string;
  };
}

/** The issuer's MDES keys for wallets: absent from the key files of sandboxes older than them. */
interface IssuerWalletKeys {
  issuerDecryptionKeyPem: string;
  issuerDecryptionCertificatePem: string;
  issuerTavKeyPem: string;
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
  const stored = JSON.parse(await readFile(file, 'utf8')) as StoredKeys;
  const keys = await loadKeys(lacksWalletKeys(stored) ? await addWalletKeys(file) : stored);
  const registered = await registeredIssuerKeys(path.join(dataDir, issuerPublicKeysFileName));
  return registered ? withRegisteredIssuerKeys(keys, registered) : keys;
}

const lacksWalletKeys = (stored: StoredKeys): boolean =>
  !stored.mdes.issuerDecryptionKeyPem || !stored.mdes.issuerDecryptionCertificatePem || !stored.mdes.issuerTavKeyPem;

/**
 * Adds the issuer's wallet keys to a key file written before them, under a lock file so that two sandboxes
 * opening one folder agree on the first one's keys (a lock left by a process that died goes after 10 s).
 */
async function addWalletKeys(file: string): Promise<StoredKeys> {
  const lock = `${file}.lock`;
  for (let waitedMs = 0; ; waitedMs += 50) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (waitedMs >= 10_000) await rm(lock, { force: true });
      await sleep(50);
    }
  }
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as StoredKeys;
    if (!lacksWalletKeys(stored)) return stored;
    const upgraded: StoredKeys = { ...stored, mdes: { ...stored.mdes, ...generateWalletKeys() } };
    await writeAtomically(file, upgraded);
    return upgraded;
  } finally {
    await rm(lock, { force: true });
  }
}

function generateWalletKeys(): IssuerWalletKeys {
  const decryption = createRsaKeyWithCertificate('Issuer card data decryption key (MDES sandbox)');
  return {
    issuerDecryptionKeyPem: decryption.privateKeyPem,
    issuerDecryptionCertificatePem: decryption.certificatePem,
    issuerTavKeyPem: rsaPem(),
  };
}

function rsaPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
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
      ...generateWalletKeys(),
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
      issuerDecryption: {
        certificatePem: stored.mdes.issuerDecryptionCertificatePem,
        publicKey: new X509Certificate(stored.mdes.issuerDecryptionCertificatePem).publicKey,
      },
      issuerTavPublicKey: createPublicKey(stored.mdes.issuerTavKeyPem),
      issuerDecryptionPrivateKeyPem: stored.mdes.issuerDecryptionKeyPem,
      issuerTavPrivateKeyPem: stored.mdes.issuerTavKeyPem,
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
      ...(keys.mdes.issuerOAuthPrivateKeyPem && { signingKeyPem: keys.mdes.issuerOAuthPrivateKeyPem }),
      encryptionCertificates: [keys.mdes.encryption.certificatePem],
      encryptionProfile: 'mdes-jwe',
      networkJwks: { keys: [keys.mdes.signing.publicJwk as JWK & { kid: string; kty: string }] },
      proofAudience: proofAudiences.mdes,
      issuerDecryptionKeys: keys.mdes.issuerDecryptionPrivateKeyPem ? [keys.mdes.issuerDecryptionPrivateKeyPem] : [],
      ...(keys.mdes.issuerTavPrivateKeyPem && { tavSigningKeyPem: keys.mdes.issuerTavPrivateKeyPem }),
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

/** Writes a JSON document (mode 0600) under a scratch name, then renames it: a reader sees the old one or the new one. */
export async function writeAtomically(file: string, content: unknown): Promise<void> {
  const scratch = `${file}.${randomUUID()}`;
  await writeFile(scratch, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(scratch, file);
}
