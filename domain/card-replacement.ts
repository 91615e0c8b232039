/**
 * A reissued or replaced card told to the networks, one token at a time, so that the token follows the new
 * card (its new number and expiry; the token keeps its reference): what the engine asks a network, what it
 * answers, and why a network refuses. The new card travels only encrypted for the network.
 */
import type { CardDetails } from './card-number.js';
import type { TokenStatus } from './enrollment.js';

export interface CardReplacementRequest {
  tokenUniqueReference: string;
  tokenRequestorId: string;
  /** The replacement card, from the vault; the adapter encrypts it for its network and nothing else sees it. */
  newCard: CardDetails;
  /** Free text for the network's records (checked for card numbers before it gets here). */
  comment?: string;
  /** Who asked, for the network's audit: an operator's id. */
  requestedBy: string;
  /** Stable across retries of one operation on one token. */
  requestId: string;
}

/** The token once it follows the new card: its status, and the new card's last four as the network shows them. */
export interface CardReplacementResult {
  tokenUniqueReference: string;
  status: TokenStatus;
  accountPanSuffix: string;
}

export const cardReplacementRefusals = ['TOKEN_NOT_FOUND', 'STATE_CONFLICT', 'CARD_REFUSED'] as const;
export type CardReplacementRefusal = (typeof cardReplacementRefusals)[number];

/** Why a network refused: the token is not its, a deleted token cannot follow, or it will not take the new card. */
export class CardReplacementRefused extends Error {
  override name = 'CardReplacementRefused';
  constructor(
    readonly reason: CardReplacementRefusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The refusal a network's typed failure stands for (its `details[0].reasonCode`, by that network's codes);
 * undefined for any other failure.
 */
export function cardReplacementRefusalOf(
  error: unknown,
  codes: Record<CardReplacementRefusal, readonly string[]>,
): CardReplacementRefused | undefined {
  if (!(error instanceof Error)) return undefined;
  const details = (error as { details?: unknown }).details;
  const reasonCode = Array.isArray(details)
    ? (details[0] as { reasonCode?: unknown } | undefined)?.reasonCode
    : undefined;
  if (typeof reasonCode !== 'string') return undefined;
  const reason = cardReplacementRefusals.find((candidate) => codes[candidate].includes(reasonCode));
  return reason && new CardReplacementRefused(reason, error.message);
}

/** A card's expiry as month and year, two digits each. */
export const twoDigitExpiry = (card: CardDetails): { month: string; year: string } => ({
  month: String(card.expiryMonth).padStart(2, '0'),
  year: String(card.expiryYear % 100).padStart(2, '0'),
});
