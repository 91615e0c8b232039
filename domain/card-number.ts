/**
 * Card numbers: the Luhn check, the masked form (BIN and last four, the most PCI DSS 3.4.1 lets us show),
 * the expiry rule, and the BIN table that routes a card to the network that pushes it. Co-badged cards
 * of a domestic scheme are routed to their international network, which supports push provisioning.
 */
import type { CardNetwork } from './enrollment.js';

export function luhnValid(pan: string): boolean {
  let sum = 0;
  for (let index = 0; index < pan.length; index += 1) {
    let digit = Number(pan[pan.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** BIN (first six) and last four; the middle masked. */
export function maskPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(Math.max(pan.length - 10, 0))}${pan.slice(-4)}`;
}

/**
 * The masked form of a vaulted card, which keeps only its BIN and last four: shown as a 16-digit number
 * (the vault does not keep the length either).
 */
export function maskedPanOf(bin: string, last4: string): string {
  return maskPan(`${bin}000000${last4}`);
}

/** A card is valid through the last day of its expiry month. */
export function hasExpired(expiryMonth: number, expiryYear: number, now: Date = new Date()): boolean {
  return Date.UTC(expiryYear, expiryMonth, 1) <= now.getTime();
}

export interface BinRange {
  /** The card numbers this range covers start with one of these. */
  prefixes: RegExp;
  network: CardNetwork;
  /** A domestic scheme the card also carries (co-badged); push goes through `network`. */
  domesticScheme?: 'CB';
}

/** Longest, most specific ranges first: the co-badged domestic ranges before their networks'. */
export const binTable: readonly BinRange[] = [
  { prefixes: /^(4970|4971)/, network: 'VISA', domesticScheme: 'CB' },
  { prefixes: /^(5132|5133)/, network: 'MASTERCARD', domesticScheme: 'CB' },
  { prefixes: /^(5[1-5]|2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))/, network: 'MASTERCARD' },
  { prefixes: /^4/, network: 'VISA' },
];

export interface CardRoute {
  network: CardNetwork;
  domesticScheme?: 'CB';
  bin: string;
}

export function routeCard(pan: string): CardRoute | undefined {
  const range = binTable.find((candidate) => candidate.prefixes.test(pan));
  if (!range) return undefined;
  return {
    network: range.network,
    bin: pan.slice(0, 6),
    ...(range.domesticScheme && { domesticScheme: range.domesticScheme }),
  };
}

export interface CardDetails {
  pan: string;
  expiryMonth: number;
  expiryYear: number;
  cardholderName?: string;
}

/** Why a card cannot be pushed, in words that never repeat its number; undefined when it can. */
export function cardProblem(card: CardDetails, now: Date = new Date()): string | undefined {
  if (!/^\d{12,19}$/.test(card.pan)) return 'The card number must be 12 to 19 digits';
  if (!luhnValid(card.pan)) return 'The card number is not valid (check digit)';
  if (!Number.isInteger(card.expiryMonth) || card.expiryMonth < 1 || card.expiryMonth > 12) {
    return 'The expiry month must be 1 to 12';
  }
  if (!Number.isInteger(card.expiryYear) || card.expiryYear < 2000 || card.expiryYear > 2099) {
    return 'The expiry year must be four digits';
  }
  if (hasExpired(card.expiryMonth, card.expiryYear, now)) return 'The card has expired';
  if (!routeCard(card.pan)) return 'The card is not from a network this issuer pushes to';
  return undefined;
}
