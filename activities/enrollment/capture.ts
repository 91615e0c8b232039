/**
 * captureCards: each card from the issuer's cards on file, from numbers the consumer typed, or from a
 * picture read with OCR; entered and photographed cards are vaulted and their staged copy erased.
 */
import { cardProblem, hasExpired } from '../../domain/card-number.js';
import { ErrorType } from '../../domain/errors.js';
import type { VaultCard } from '../../db/vault-cards.js';
import type { CardVault } from '../vault/card-vault.js';
import type { CapturedCard, EnrollmentActivities } from './activity-types.js';
import { nonRetryable } from './failures.js';

/** Reads a card number and expiry from a picture of the card. */
export interface CardReader {
  read(image: {
    mediaType: string;
    base64: string;
  }): Promise<{ pan: string; expiryMonth: number; expiryYear: number } | undefined>;
}

export function createCaptureActivities(deps: {
  vault: CardVault;
  cardReader?: CardReader;
}): Pick<EnrollmentActivities, 'captureCards'> {
  const { vault } = deps;
  return {
    async captureCards({ customerId, cards }) {
      const captured: CapturedCard[] = [];
      for (const [index, source] of cards.entries()) {
        const position = cards.length > 1 ? ` (card ${index + 1})` : '';
        if (source.method === 'card-on-file') {
          const card = await vault.cardOf(customerId, source.cardId);
          if (!card)
            throw nonRetryable(ErrorType.CardNotFound, `The card${position} is not one of this customer's cards`);
          if (hasExpired(card.expiryMonth, card.expiryYear))
            throw nonRetryable(ErrorType.InvalidCard, `The card${position} has expired`);
          captured.push({ ...summary(card), captureMethod: 'card-on-file', requiresConfirmation: false });
          continue;
        }
        const staged = await vault.stagedCapture(customerId, source.captureId);
        if (!staged || ('capture' in staged ? staged.capture.method : staged.method) !== source.method) {
          throw nonRetryable(
            ErrorType.CardNotFound,
            `The ${source.method === 'ocr' ? 'picture' : 'entered card'}${position} is no longer there (it is kept 30 minutes)`,
          );
        }
        let cardRef: string;
        if ('cardRef' in staged) {
          cardRef = staged.cardRef; // a retried capture: this one was vaulted already
        } else {
          const details =
            staged.capture.method === 'manual'
              ? staged.capture.card
              : await readPicture(staged.capture.image, position);
          const problem = cardProblem(details);
          if (problem) throw nonRetryable(ErrorType.InvalidCard, `${problem}${position}`);
          cardRef = (await vault.store(customerId, details, source.method)).cardRef;
          await vault.markCaptured(source.captureId, cardRef);
        }
        const card = (await vault.cardOf(customerId, cardRef))!;
        captured.push({
          ...summary(card),
          captureMethod: source.method,
          requiresConfirmation: source.method === 'ocr',
        });
      }
      if (new Set(captured.map((card) => card.cardRef)).size !== captured.length) {
        throw nonRetryable(ErrorType.InvalidEnrollmentInput, 'The same card appears twice in the enrollment');
      }
      return captured;
    },
  };

  async function readPicture(
    image: { mediaType: string; base64: string },
    position: string,
  ): Promise<{ pan: string; expiryMonth: number; expiryYear: number }> {
    if (!deps.cardReader)
      throw nonRetryable(ErrorType.InvalidCard, `Reading cards from pictures is not configured${position}`);
    const read = await deps.cardReader.read(image);
    if (!read)
      throw nonRetryable(ErrorType.InvalidCard, `No card number and expiry could be read from the picture${position}`);
    return read;
  }
}

function summary(card: VaultCard): Omit<CapturedCard, 'captureMethod' | 'requiresConfirmation'> {
  return {
    cardRef: card.cardRef,
    maskedPan: card.maskedPan,
    network: card.network,
    bin: card.bin,
  };
}
