/**
 * The issuer's signing keys (authentication proofs, and whatever else the issuer signs): one current key
 * signs; keys rotated out keep verifying for an overlap and stay in the published JWKS until it ends.
 * On disk: PKCS#8 PEM files (mode 0600) and a manifest, in a folder of their own (mode 0700).
 */
import { createWhole } from './create-whole.js';
import { createPrivateKey, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { fileSigningKey } from './file-key-handles.js';
import type { PrivateSigningKey } from './key-handles.js';

export const signingAlgorithms = ['RS256', 'ES256'] as const;
export type SigningAlgorithm = (typeof signingAlgorithms)[number];

export interface SigningKey {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlgorithm;
  /** In this process (the file store) or in a token (pkcs11/). */
  signer: PrivateSigningKey;
  publicJwk: JWK;
  createdAt: Date;
  retiredAt?: Date;
}

interface ManifestEntry {
  kid: string;
  alg: SigningAlgorithm;
  file: string;
  createdAt: string;
  retiredAt?: string;
}

interface Manifest {
  keys: ManifestEntry[];
}

export interface IssuerSigningKeysOptions {
  /** Algorithm of a generated key. */
  algorithm?: SigningAlgorithm;
  /** How long a rotated-out key keeps verifying. A proof lives 5 minutes at most; the default is a day. */
  overlapMs?: number;
  /** Create a first key when the folder has none (development); production keys are provisioned. */
  generateIfMissing?: boolean;
}

export class MissingSigningKeyError extends Error {
  override name = 'MissingSigningKeyError';
}

const defaultOverlapMs = 24 * 60 * 60_000;

export class IssuerSigningKeys {
  private constructor(
    private readonly keys: readonly SigningKey[],
    private readonly overlapMs: number,
  ) {}

  /** Keys held elsewhere (a PKCS#11 token), oldest first. */
  static of(keys: readonly SigningKey[], overlapMs: number = defaultOverlapMs): IssuerSigningKeys {
    return new IssuerSigningKeys(keys, overlapMs);
  }

  /** The key that signs now: the newest key not retired. */
  get current(): SigningKey {
    const current = this.keys.findLast((key) => key.retiredAt === undefined);
    if (!current) throw new MissingSigningKeyError('Every issuer signing key is retired');
    return current;
  }

  /** The public keys that still verify at `now`, as a JWKS to publish. */
  jwks(now: Date = new Date()): { keys: JWK[] } {
    return {
      keys: this.keys
        .filter((key) => key.retiredAt === undefined || now.getTime() < key.retiredAt.getTime() + this.overlapMs)
        .map((key) => key.publicJwk),
    };
  }

  static async open(dir: string, options: IssuerSigningKeysOptions = {}): Promise<IssuerSigningKeys> {
    const manifestFile = path.join(dir, 'manifest.json');
    if (!existsSync(manifestFile)) {
      if (!options.generateIfMissing) {
        throw new MissingSigningKeyError(`No issuer signing keys in ${dir} (expected ${manifestFile})`);
      }
      await createFirstKey(dir, options.algorithm ?? 'ES256');
    }
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
    const keys = await Promise.all(manifest.keys.map((entry) => loadKey(dir, entry)));
    return new IssuerSigningKeys(keys, options.overlapMs ?? defaultOverlapMs);
  }

  /** Makes a new key current and retires the current one (it verifies for the overlap still). */
  static async rotate(dir: string, algorithm: SigningAlgorithm = 'ES256', now: Date = new Date()): Promise<string> {
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
    const entry = await writeNewKey(dir, algorithm, now);
    const keys = manifest.keys.map((key) => (key.retiredAt ? key : { ...key, retiredAt: now.toISOString() }));
    await writeAtomically(manifestFile, { keys: [...keys, entry] });
    return entry.kid;
  }
}

async function createFirstKey(dir: string, algorithm: SigningAlgorithm): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const entry = await writeNewKey(dir, algorithm, new Date());
  // Exclusive create: when two processes start at once, one manifest wins and both use it.
  await createWhole(path.join(dir, 'manifest.json'), `${JSON.stringify({ keys: [entry] }, null, 2)}\n`);
}

async function writeNewKey(dir: string, alg: SigningAlgorithm, now: Date): Promise<ManifestEntry> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const file = `${kid}.pem`;
  await writeFile(path.join(dir, file), await exportPKCS8(privateKey), { mode: 0o600 });
  return { kid, alg, file, createdAt: now.toISOString() };
}

async function loadKey(dir: string, entry: ManifestEntry): Promise<SigningKey> {
  const signer = fileSigningKey(createPrivateKey(await readFile(path.join(dir, entry.file), 'utf8')));
  if (signer.alg !== entry.alg) {
    throw new MissingSigningKeyError(`The key file ${entry.file} holds an ${signer.alg} key, not ${entry.alg}`);
  }
  const publicJwk = await exportJWK(signer.publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  if (kid !== entry.kid) {
    throw new MissingSigningKeyError(
      `The key file ${entry.file} does not hold key ${entry.kid} (its thumbprint is ${kid})`,
    );
  }
  return {
    kid,
    alg: entry.alg,
    signer,
    publicJwk: { ...publicJwk, kid, alg: entry.alg, use: 'sig' },
    createdAt: new Date(entry.createdAt),
    ...(entry.retiredAt && { retiredAt: new Date(entry.retiredAt) }),
  };
}

async function writeAtomically(file: string, content: unknown): Promise<void> {
  const scratch = `${file}.${randomUUID()}`;
  await writeFile(scratch, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await rename(scratch, file);
}
