/**
 * Six-digit one-time codes derived, not drawn, from a key, a scope (the enrollment, the token's activation)
 * and the code's number: a retried send delivers the same code, never a second one. What the workflow keeps
 * is the code's keyed hash with the key id and the number (`kid:sequence:hex`), never the code.
 */
import { timingSafeEqual } from 'node:crypto';
import type { MacKey } from '../keys/key-handles.js';

export async function derivedCode(
  key: MacKey,
  scope: string,
  sequence: number,
): Promise<{ code: string; codeHash: string }> {
  const mac = await key.mac(Buffer.from(`code:${scope}:${sequence}`));
  const code = String(mac.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  return { code, codeHash: await codeHash(key, scope, sequence, code) };
}

/** Whether the code presented is the one of this hash (under the current key; an older key's code is stale). */
export async function codeMatches(key: MacKey, scope: string, code: string, expected: string): Promise<boolean> {
  const [kid, sequence] = expected.split(':') as [string, string];
  if (key.kid !== kid) return false;
  const presented = Buffer.from(await codeHash(key, scope, Number(sequence), code));
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

async function codeHash(key: MacKey, scope: string, sequence: number, code: string): Promise<string> {
  const mac = await key.mac(Buffer.from(`check:${scope}:${sequence}:${code}`));
  return `${key.kid}:${sequence}:${mac.toString('hex')}`;
}
