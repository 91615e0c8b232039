/** The checks a network runs on each pushed card before it issues a receipt, the same for MDES and VTS. */
import { declinesCard, type Knobs } from '../knobs.js';
import { enabledFor, type TokenRequestorProfile } from '../token-requestors/catalogue.js';
import { luhnValid } from './network-state.js';

export type CardRefusal =
  { kind: 'invalid'; field: string; description: string } | { kind: 'ineligible'; description: string };

const networkRanges = {
  // Mastercard 2-series, 51-55, and Maestro.
  mdes: /^(2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|5[0-8]|6[37])/,
  vts: /^4/,
};

export function checkPushedCard(
  network: 'mdes' | 'vts',
  card: { pan: string; expiryMonth: number; expiryYear: number },
  tokenRequestor: TokenRequestorProfile,
  knobs: Knobs,
  now: Date = new Date(),
): CardRefusal | undefined {
  if (!luhnValid(card.pan)) {
    return { kind: 'invalid', field: 'accountNumber', description: 'The account number fails the Luhn check' };
  }
  const expiresAfter = Date.UTC(card.expiryYear, card.expiryMonth, 1); // first day after the expiry month
  if (expiresAfter <= now.getTime()) {
    return { kind: 'invalid', field: 'expiry', description: 'The card has expired' };
  }
  if (!networkRanges[network].test(card.pan)) {
    return {
      kind: 'ineligible',
      description: `The account is not in a ${network === 'mdes' ? 'Mastercard' : 'Visa'} range`,
    };
  }
  if (!enabledFor(tokenRequestor, card.pan)) {
    return { kind: 'ineligible', description: `${tokenRequestor.name} is not enabled for this account range` };
  }
  if (declinesCard(knobs, card.pan)) {
    return {
      kind: 'ineligible',
      description: 'The account is not eligible for push provisioning (sandbox decline rule)',
    };
  }
  return undefined;
}
