/**
 * The issuer's symmetric keys: card encryption (AES-256-GCM; the newest encrypts, every listed one still
 * decrypts, each named by a key id stored beside its ciphertexts), the PAN fingerprint key and the
 * one-time code key (both HMAC-SHA-256). One JSON file, mode 0600, in a folder of its own; generated in
 * development, provisioned in production; rotation adds an encryption key without losing the old ones.
 * Fingerprint keys a deployment has rotated out are listed under `retiredFingerprints`: the cards they
 * fingerprinted are still found by their number.
 */
import { createWhole } from './create-whole.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { fileEncryptionKey, fileMacKey } from './file-key-handles.js';
import type { EncryptionKey, MacKey, VaultKeySet } from './key-handles.js';

const storedKey = z.object({
  kid: z.string().min(1),
  key: z.string().refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes, base64'),
  createdAt: z.string(),
});
const VaultKeysFile = z.object({
  encryption: z.array(storedKey).min(1),
  fingerprint: storedKey,
  retiredFingerprints: z.array(storedKey).default([]),
  oneTimeCode: storedKey,
});
type VaultKeysFile = z.input<typeof VaultKeysFile>;
type ParsedVaultKeys = z.output<typeof VaultKeysFile>;

export class MissingVaultKeysError extends Error {
  override name = 'MissingVaultKeysError';
}

const fileName = 'vault-keys.json';

export class VaultKeys implements VaultKeySet {
  private readonly encryption: readonly EncryptionKey[];
  readonly fingerprintKeys: readonly MacKey[];
  readonly oneTimeCode: MacKey;

  private constructor(file: ParsedVaultKeys) {
    this.encryption = file.encryption.map((stored) => fileEncryptionKey(stored.kid, bytes(stored)));
    this.fingerprintKeys = [file.fingerprint, ...file.retiredFingerprints].map((stored) =>
      fileMacKey(stored.kid, bytes(stored)),
    );
    this.oneTimeCode = fileMacKey(file.oneTimeCode.kid, bytes(file.oneTimeCode));
  }

  /** The key that encrypts now. */
  get currentEncryption(): EncryptionKey {
    return this.encryption.at(-1)!;
  }

  encryptionKey(kid: string): EncryptionKey | undefined {
    return this.encryption.find((key) => key.kid === kid);
  }

  get fingerprint(): MacKey {
    return this.fingerprintKeys[0]!;
  }

  static async open(dir: string, options: { generateIfMissing?: boolean } = {}): Promise<VaultKeys> {
    const file = path.join(dir, fileName);
    if (!existsSync(file)) {
      if (!options.generateIfMissing) throw new MissingVaultKeysError(`No vault keys in ${dir} (expected ${file})`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      const now = new Date().toISOString();
      const generated: VaultKeysFile = {
        encryption: [newKey(now)],
        fingerprint: newKey(now),
        oneTimeCode: newKey(now),
      };
      await createWhole(file, `${JSON.stringify(generated, null, 2)}\n`);
    }
    const parsed = VaultKeysFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      throw new MissingVaultKeysError(
        `${file} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
      );
    }
    return new VaultKeys(parsed.data);
  }

  /** Adds a new encryption key, which encrypts from now on; returns its key id. */
  static async rotateEncryption(dir: string): Promise<string> {
    const file = path.join(dir, fileName);
    const current = VaultKeysFile.parse(JSON.parse(await readFile(file, 'utf8')));
    const key = newKey(new Date().toISOString());
    const scratch = `${file}.${randomUUID()}`;
    await writeFile(scratch, `${JSON.stringify({ ...current, encryption: [...current.encryption, key] }, null, 2)}\n`, {
      mode: 0o600,
    });
    await rename(scratch, file);
    return key.kid;
  }
}

function newKey(createdAt: string): z.infer<typeof storedKey> {
  return { kid: randomUUID(), key: randomBytes(32).toString('base64'), createdAt };
}

function bytes(stored: z.infer<typeof storedKey>): Buffer {
  return Buffer.from(stored.key, 'base64');
}
