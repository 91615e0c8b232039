/**
 * What happens to a token on the wallet's side, which the network then tells the issuer on its own
 * initiative (notifyTokenUpdated, no issuer call behind it): the cardholder deleted it in the wallet, the
 * device was reported lost (the wallet suspends its tokens) or found again, the device was wiped. Each
 * event's new status, and the codes the networks' notifications carry for it (MDES's public
 * `reasonCode` DELETED_FROM_CONSUMER_APP / STATUS_UPDATE with an `eventReasonCode`; Visa's, our reading).
 */
import { z } from 'zod';
import type { TokenStatus } from './network-state.js';
import { changeTokenStatus, type TokenisationDeps } from './tokenization.js';

export const walletEvents = {
  DELETED_FROM_WALLET: { status: 'DEACTIVATED', reasonCode: 'DELETED_FROM_CONSUMER_APP' },
  DEVICE_LOST: { status: 'SUSPENDED', reasonCode: 'STATUS_UPDATE' },
  DEVICE_FOUND: { status: 'ACTIVE', reasonCode: 'STATUS_UPDATE' },
  DEVICE_WIPED: { status: 'DEACTIVATED', reasonCode: 'STATUS_UPDATE' },
} as const satisfies Record<string, { status: TokenStatus; reasonCode: string }>;
export type WalletEvent = keyof typeof walletEvents;

export const WalletEventRequest = z.strictObject({
  event: z.enum(Object.keys(walletEvents) as [WalletEvent, ...WalletEvent[]]),
});

/** The event applied to the token and told to the issuer; undefined when the network holds no such token. */
export function applyWalletEvent(deps: TokenisationDeps, tokenUniqueReference: string, event: WalletEvent) {
  return changeTokenStatus(deps, tokenUniqueReference, walletEvents[event].status, event, event);
}
