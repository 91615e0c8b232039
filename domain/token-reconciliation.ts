/**
 * The scheduled reconciliation of the token inventory with the networks: what the engine asks a network
 * about one token (its status inquiry), what it may answer, the rule that decides whether the inventory has
 * drifted (the network is authoritative for a token's status; a token the network does not know is gone),
 * and what operators read of a run in the Temporal UI. Ids and statuses only, never card data.
 */
import type { CardNetwork, TokenStatus } from './enrollment.js';

/** One token's status, as the engine asks its network. */
export interface TokenStatusRequest {
  tokenUniqueReference: string;
  tokenRequestorId: string;
  /** Who asks, for the network's audit: the engine itself for a reconciliation. */
  requestedBy: string;
}

/** The network's view of a token: its status, or that it holds no such token. */
export type NetworkTokenStatus = { known: true; status: TokenStatus } | { known: false };

/** What a finding records as the network's side: a status, or NOT_FOUND. */
export type NetworkSideStatus = TokenStatus | 'NOT_FOUND';

/**
 * The status the inventory should hold after asking the network, or undefined when it holds it already.
 * A token the network does not know is DEACTIVATED (a deleted token the network no longer lists is not drift).
 */
export function reconciledStatus(inventory: TokenStatus, network: NetworkTokenStatus): TokenStatus | undefined {
  const expected = network.known ? network.status : 'DEACTIVATED';
  return expected === inventory ? undefined : expected;
}

/** One token seen by a reconciliation run: in step, drifted (and repaired or not), or not asked (an error). */
export type ReconciliationOutcome =
  | { network: CardNetwork; tokenUniqueReference: string; outcome: 'IN_STEP' }
  | {
      network: CardNetwork;
      tokenUniqueReference: string;
      outcome: 'DRIFT';
      inventoryStatus: TokenStatus;
      networkStatus: NetworkSideStatus;
      repaired: boolean;
    }
  | { network: CardNetwork; tokenUniqueReference: string; outcome: 'ERROR'; message: string };

export interface ReconciliationCounts {
  checked: number;
  drifted: number;
  repaired: number;
  errors: number;
}

/** The run's workflow id: also the run's id in findings and in the operator API. */
export const reconciliationWorkflowIdPrefix = 'token-reconciliation';

export function reconciliationSummary(request: {
  requestedBy: string;
  callsPerSecond: number;
  repair: boolean;
}): string {
  const what = request.repair ? 'Token reconciliation' : 'Token reconciliation, report only,';
  return `${what} with the networks (${request.callsPerSecond} calls/s), by ${request.requestedBy}`;
}

export function reconciliationDetails(progress: ReconciliationCounts & { done: boolean }): string {
  return [
    `**Status** ${progress.done ? 'done' : 'under way'}`,
    `**Checked** ${progress.checked}`,
    `**Drifted** ${progress.drifted} (repaired ${progress.repaired})`,
    `**Errors** ${progress.errors}`,
  ].join('\n');
}
