/**
 * A ring of AES-256 keys for one purpose (say, Temporal payloads): the newest encrypts, every listed one
 * still decrypts, each named by a key id stored with what it encrypted. One JSON file, mode 0600, in a
 * folder of its own; generated in development, provisioned in production; rotation adds a key.
 */
import { createWhole } from './create-whole.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { fileEncryptionKey } from './file-key-handles.js';
import type { EncryptionKey, EncryptionKeyRing } from './key-handles.js';

const KeyRingFile = z.object({
  keys: z
    .array(
      z.object({
        kid: z.string().min(1).max(64),
        key: z.string().refine((value) => Buffer.from(value, 'base64').length === 32, 'expected 32 bytes, base64'),
        createdAt: z.string(),
      }),
    )
    .min(1),
});
type KeyRingFile = z.infer<typeof KeyRingFile>;

const fileName = 'keyring.json';

export class MissingKeyRingError extends Error {
  override name = 'MissingKeyRingError';
}

export class SymmetricKeyRing implements EncryptionKeyRing {
  private readonly keys: readonly EncryptionKey[];

  private constructor(file: KeyRingFile) {
    this.keys = file.keys.map((stored) => fileEncryptionKey(stored.kid, Buffer.from(stored.key, 'base64')));
  }

  get current(): EncryptionKey {
    return this.keys.at(-1)!;
  }

  key(kid: string): EncryptionKey | undefined {
    return this.keys.find((key) => key.kid === kid);
  }

  static async open(dir: string, options: { generateIfMissing?: boolean } = {}): Promise<SymmetricKeyRing> {
    const file = path.join(dir, fileName);
    if (!existsSync(file)) {
      if (!options.generateIfMissing) throw new MissingKeyRingError(`No keys in ${dir} (expected ${file})`);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await chmod(dir, 0o700);
      await createWhole(file, `${JSON.stringify({ keys: [newKey()] }, null, 2)}\n`);
    }
    const parsed = KeyRingFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
      throw new MissingKeyRingError(`${file} is invalid: ${problems}`);
    }
    return new SymmetricKeyRing(parsed.data);
  }

  /** Adds a key that encrypts from now on; returns its key id. The old keys keep decrypting. */
  static async rotate(dir: string): Promise<string> {
    const file = path.join(dir, fileName);
    const current = KeyRingFile.parse(JSON.parse(await readFile(file, 'utf8')));
    const key = newKey();
    const scratch = `${file}.${randomUUID()}`;
    await writeFile(scratch, `${JSON.stringify({ keys: [...current.keys, key] }, null, 2)}\n`, { mode: 0o600 });
    await rename(scratch, file);
    return key.kid;
  }
}

function newKey(): KeyRingFile['keys'][number] {
  return { kid: randomUUID(), key: randomBytes(32).toString('base64'), createdAt: new Date().toISOString() };
}
