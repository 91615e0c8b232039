/**
 * Six-digit one-time codes derived, not drawn, from a key, a scope (the enrollment, the token's activation)
 * and the code's number: a retried send delivers the same code, never a second one. What the workflow keeps
 * is the code's keyed hash with the key id and the number (`kid:sequence:hex`), never the code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

interface CodeKey {
  kid: string;
  key: Buffer;
}

export function derivedCode(key: CodeKey, scope: string, sequence: number): { code: string; codeHash: string } {
  const code = String(
    createHmac('sha256', key.key).update(`code:${scope}:${sequence}`).digest().readUInt32BE(0) % 1_000_000,
  ).padStart(6, '0');
  return { code, codeHash: codeHash(key, scope, sequence, code) };
}

/** Whether the code presented is the one of this hash (under the current key; an older key's code is stale). */
export function codeMatches(key: CodeKey, scope: string, code: string, expected: string): boolean {
  const [kid, sequence] = expected.split(':') as [string, string];
  if (key.kid !== kid) return false;
  const presented = Buffer.from(codeHash(key, scope, Number(sequence), code));
  const wanted = Buffer.from(expected);
  return presented.length === wanted.length && timingSafeEqual(presented, wanted);
}

function codeHash(key: CodeKey, scope: string, sequence: number, code: string): string {
  const mac = createHmac('sha256', key.key).update(`check:${scope}:${sequence}:${code}`).digest('hex');
  return `${key.kid}:${sequence}:${mac}`;
}
