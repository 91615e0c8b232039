/**
 * What sets one simulated network apart where the sandbox's shared parts meet it (the card checks, the
 * tokenisation, the token requestors): its name and brand, its account ranges, its reference formats and
 * how a token requestor talks to it. Each network's folder (sandbox/mdes, sandbox/vts) holds its own.
 */
import type { CardNetwork } from '../../domain/enrollment.js';
import type { TokenRequestorNetworkCalls } from '../token-requestors/network-calls.js';

export interface SandboxNetwork {
  /** The name the ledger and the knobs use. */
  id: 'mdes' | 'vts';
  /** The engine's name of the network, as the wallets' credentials name it. */
  cardNetwork: CardNetwork;
  /** What a consumer is shown: "Mastercard •••• 1234". */
  brand: string;
  /** The accounts the network provisions: a card outside them is ineligible. */
  accountRange: RegExp;
  /** The prefixes of its push receipts, before the dash (`MCC-…`, `VTS-…`). */
  receiptPrefixes: readonly string[];
  /** A new token's references, in the network's own formats. */
  newTokenReferences(): { tokenUniqueReference: string; panUniqueReference: string };
  /** How a token requestor calls this network about a pushed card (one per token requestor sandbox). */
  tokenRequestorCalls(): TokenRequestorNetworkCalls;
}

/** Whether a push receipt is this network's. */
export const issuedBy = (network: SandboxNetwork, receipt: string): boolean =>
  network.receiptPrefixes.some((prefix) => receipt.startsWith(`${prefix}-`));
