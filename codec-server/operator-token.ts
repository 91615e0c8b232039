/** The codec server's operator token, kept in the issuer's key folder beside the keys it opens payloads with. */
import { createWhole } from '../activities/keys/create-whole.js';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The operator token kept in the key folder (mode 0600): created when allowed (development, or the
 * deployment's setup), read otherwise; undefined when there is none. npm start says where it is.
 */
export async function operatorTokenFile(
  keysDir: string,
  options: { generateIfMissing: boolean },
): Promise<{ token: string; file: string } | undefined> {
  const file = path.join(keysDir, 'codec-operator-token');
  if (!existsSync(file)) {
    if (!options.generateIfMissing) return undefined;
    await mkdir(keysDir, { recursive: true, mode: 0o700 });
    await createWhole(file, `${randomBytes(24).toString('base64url')}\n`);
  }
  return { token: (await readFile(file, 'utf8')).trim(), file };
}
