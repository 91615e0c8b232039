/**
 * Identifiers the engine mints (request ids, card references, capture ids, proof ids): random UUIDs that
 * never read as a card number. One random UUID in several thousand has its first three groups all digits
 * (8-4-4, a card number as people write it) with a valid check digit; logs, problem details and echoed
 * headers would show such an id masked, and a client would hold an id the API no longer recognises.
 * Such a draw is drawn again.
 */
import { randomUUID } from 'node:crypto';
import { holdsCardNumber } from './caller-text.js';

export function newIdentifier(draw: () => string = randomUUID): string {
  for (;;) {
    const id = draw();
    if (!holdsCardNumber(id)) return id;
  }
}
