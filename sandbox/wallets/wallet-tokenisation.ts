/**
 * A simulated wallet's tokenisation at the card's network, over HTTP like any token requestor's: the network
 * found by the card's range (as the sandbox networks tell theirs), the card sent as that network takes it
 * from a wallet (the card itself with the issuer's activation data, or the issuer's opaque payment card
 * passed on), signed with the wallet's own credentials. The ledger has each request and its outcome, the
 * card masked.
 */
import { randomUUID } from 'node:crypto';
import type { CardNetwork } from '../../domain/enrollment.js';
import type { Wallet } from '../../domain/wallets.js';
import type { SandboxKeys } from '../keys.js';
import type { Knobs } from '../knobs.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkCall } from '../token-requestors/network-calls.js';
import type { TokenRequestorCredentials } from '../token-requestors/credentials.js';
import { postAsTokenRequestor, type NetworkReach } from '../token-requestors/networks.js';

export interface WalletTokenisation {
  /** PENDING_ACTIVATION: the token exists, INACTIVE until the cardholder activates it (the yellow path). */
  status: 'ACTIVE' | 'PENDING_ACTIVATION' | 'DECLINED';
  network: CardNetwork;
  maskedPan: string;
  tokenUniqueReference?: string;
  /**
   * Who said no: the issuer, the network before asking it (a refusal, or no answer), or the wallet, which
   * could not send the card as the network takes it.
   */
  declinedBy?: 'ISSUER' | 'NETWORK' | 'WALLET';
  reason?: string;
}

export interface WalletTokenisationDeps {
  wallet: Wallet;
  tokenRequestorId: string;
  credentials: TokenRequestorCredentials;
  networkKeys: SandboxKeys;
  ledger: Ledger;
}

/** What every simulated wallet is given: who it is at the networks, how it reaches them, its ledger and knobs. */
export interface SimulatedWalletOptions {
  tokenRequestorId: string;
  credentials: TokenRequestorCredentials;
  networkKeys: SandboxKeys;
  networks: readonly NetworkReach[];
  ledger: Ledger;
  knobs: { current: Knobs };
}

/** The network that takes this card, by its range. */
export function networkOfCard(networks: readonly NetworkReach[], pan: string): NetworkReach | undefined {
  return networks.find(({ network }) => network.accountRange.test(pan));
}

/** One tokenisation: the wallet's session, the card as shown, and the call that sends it (under a new requestId). */
export interface WalletTokenisationRequest {
  sessionId: string;
  maskedPan: string;
  call(requestId: string): Promise<NetworkCall>;
}

export async function tokeniseAtNetwork(
  deps: WalletTokenisationDeps,
  reach: NetworkReach,
  request: WalletTokenisationRequest,
): Promise<WalletTokenisation> {
  const requestId = randomUUID();
  const { tokenRequestorId, wallet } = deps;
  const shown = { network: reach.network.cardNetwork, maskedPan: request.maskedPan };
  deps.ledger.append('wallet.tokenize.requested', {
    wallet,
    tokenRequestorId,
    sessionId: request.sessionId,
    requestId,
    ...shown,
  });
  const outcome = await tokenised(deps, reach, request, requestId, shown);
  deps.ledger.append('wallet.tokenize.result', {
    wallet,
    tokenRequestorId,
    sessionId: request.sessionId,
    requestId,
    ...outcome,
  });
  return outcome;
}

/** The call made (or why the wallet could not make it), sent to the network, and its answer read. */
async function tokenised(
  deps: WalletTokenisationDeps,
  reach: NetworkReach,
  request: WalletTokenisationRequest,
  requestId: string,
  shown: Pick<WalletTokenisation, 'network' | 'maskedPan'>,
): Promise<WalletTokenisation> {
  let call: NetworkCall;
  try {
    call = await request.call(requestId);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { status: 'DECLINED', ...shown, declinedBy: 'WALLET', reason };
  }
  return sent(deps, reach, call, requestId, shown);
}

/** The call sent to the network, its answer read. */
async function sent(
  deps: WalletTokenisationDeps,
  reach: NetworkReach,
  call: NetworkCall,
  requestId: string,
  shown: Pick<WalletTokenisation, 'network' | 'maskedPan'>,
): Promise<WalletTokenisation> {
  try {
    const { status, answer } = await postAsTokenRequestor(deps.credentials, reach, call, 30_000);
    // Read as a receipt's tokenisation would be: by its requestId, there being no receipt.
    const read = reach.calls.readTokenisation(requestId, status, answer);
    return read.status === 'ACTIVE' || read.status === 'PENDING_ACTIVATION'
      ? {
          status: read.status,
          ...shown,
          ...(read.tokenUniqueReference && { tokenUniqueReference: read.tokenUniqueReference }),
        }
      : {
          status: 'DECLINED',
          ...shown,
          declinedBy: read.status === 'DECLINED' ? 'ISSUER' : 'NETWORK',
          ...(read.reason !== undefined && { reason: read.reason }),
        };
  } catch (error) {
    const reason = `${reach.network.brand} did not answer (${error instanceof Error ? error.message : String(error)})`;
    return { status: 'DECLINED', ...shown, declinedBy: 'NETWORK', reason };
  }
}
