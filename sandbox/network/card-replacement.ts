/**
 * A sandbox network's side of the issuer's card replacement (a token moved to its card's replacement), the
 * same for both networks, which only word it differently: the new card must pass the Luhn check, be
 * unexpired and in the network's range; the token must be the network's (and, where the call names one,
 * its token requestor's) and not deleted. The token keeps its reference; its account's last four become the
 * new card's. A request id applied before is a retry: answered as the token stands, applied once. The
 * ledger has `token.card.replaced` (the new card's last four and expiry only), `.refused` or `.replayed`.
 * The issuer is not notified (no notifyTokenUpdated): it made the change itself, and the networks tell the
 * token requestors, not the issuer, of a funding account update the issuer asked for.
 */
import { hasExpired, luhnValid } from '../../domain/card-number.js';
import type { CardReplacementRefusal } from '../../domain/card-replacement.js';
import type { Ledger } from './ledger.js';
import type { NetworkState, Token } from './network-state.js';
import type { SandboxNetwork } from './sandbox-network.js';

export type CardReplacementOutcome = { token: Token } | { refused: CardReplacementRefusal; message: string };

export function applyCardReplacement(
  network: Pick<SandboxNetwork, 'brand' | 'accountRange'>,
  state: NetworkState,
  ledger: Ledger,
  call: {
    requestId?: string;
    tokenUniqueReference: string;
    tokenRequestorId?: string;
    card: { pan: string; expiryMonth: number; expiryYear: number };
  },
): CardReplacementOutcome {
  const { card, ...named } = call;
  const shown = {
    ...named,
    accountPanSuffix: card.pan.slice(-4),
    expiryMonth: card.expiryMonth,
    expiryYear: card.expiryYear,
  };
  const earlier =
    call.requestId !== undefined && ledger.find({ kind: 'token.card.replaced', requestId: call.requestId });
  const token = state.token(call.tokenUniqueReference);
  if (earlier && earlier.length > 0 && token) {
    ledger.append('token.card.replaced.replayed', shown);
    return { token };
  }
  const refuse = (refused: CardReplacementRefusal, message: string): CardReplacementOutcome => {
    ledger.append('token.card.replaced.refused', { ...shown, refusal: refused, message });
    return { refused, message };
  };
  if (!/^\d{12,19}$/.test(card.pan) || !luhnValid(card.pan)) {
    return refuse('CARD_REFUSED', 'The new account number fails the Luhn check');
  }
  if (hasExpired(card.expiryMonth, card.expiryYear)) return refuse('CARD_REFUSED', 'The new card has expired');
  if (!network.accountRange.test(card.pan)) {
    return refuse('CARD_REFUSED', `The new account is not in a ${network.brand} range`);
  }
  if (!token || (call.tokenRequestorId !== undefined && token.tokenRequestorId !== call.tokenRequestorId)) {
    return refuse('TOKEN_NOT_FOUND', 'The network holds no such token');
  }
  if (token.status === 'DEACTIVATED') return refuse('STATE_CONFLICT', 'A DEACTIVATED token cannot follow a new card');
  return { token: state.recordCardReplaced({ ...shown, from: token.accountPanSuffix }) };
}
