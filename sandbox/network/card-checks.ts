/** The checks a network runs on each pushed card before it issues a receipt, the same for MDES and VTS. */
import { declinesCard, type Knobs } from '../knobs.js';
import { enabledFor, type TokenRequestorProfile } from '../token-requestors/catalogue.js';
import { luhnValid } from './network-state.js';
import type { SandboxNetwork } from './sandbox-network.js';

export type CardRefusal =
  { kind: 'invalid'; field: string; description: string } | { kind: 'ineligible'; description: string };

export function checkPushedCard(
  network: Pick<SandboxNetwork, 'brand' | 'accountRange'>,
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
  if (!network.accountRange.test(card.pan)) {
    return { kind: 'ineligible', description: `The account is not in a ${network.brand} range` };
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
