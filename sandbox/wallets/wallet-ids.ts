/**
 * The ids the simulated wallets make (wallet accounts, devices, web sessions): random, in letters only, so
 * that none can ever hold a run of digits that reads as a card number, which the engine refuses in an id
 * (hex can: about 1 id in 100 held a Luhn-valid run of 12 or more digits).
 */
import { randomBytes } from 'node:crypto';

/** Each nibble as one of 16 letters. */
const letters = 'abcdefghijklmnop';

export function walletId(prefix: string, bytes: number): string {
  const random = [...randomBytes(bytes)].map((byte) => `${letters[byte >> 4]!}${letters[byte & 15]!}`).join('');
  return `${prefix}-${random}`;
}
