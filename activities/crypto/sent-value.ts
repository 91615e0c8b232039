/**
 * How a refusal names a value its sender chose (a key id, an algorithm, a nonce): as sent when it has the
 * shape of an identifier and hides no card number, otherwise not at all. Refusals reach responses and logs.
 */
import { isSafeCallerId } from '../../domain/caller-text.js';

export function sentValue(value: unknown): string {
  if (value === undefined) return '(none)';
  return isSafeCallerId(value) ? value : '(not shown)';
}
