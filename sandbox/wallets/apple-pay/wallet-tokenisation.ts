/**
 * The wallet's tokenisation at the card's network, over HTTP like any token requestor's: the network found
 * by the card's range (as the sandbox networks tell theirs), the card sent as that network takes it from a
 * wallet, with the issuer's activation data, signed with the wallet's own credentials. The ledger has each
 * request and its outcome, the card masked.
 */
import { randomUUID } from 'node:crypto';
import type { CardNetwork } from '../../../domain/enrollment.js';
import { maskPan } from '../../../domain/card-number.js';
import type { SandboxKeys } from '../../keys.js';
import type { Ledger } from '../../network/ledger.js';
import type { CardAccount } from '../../network/tokenization.js';
import type { TokenRequestorCredentials } from '../../token-requestors/credentials.js';
import { postAsTokenRequestor, type NetworkReach } from '../../token-requestors/networks.js';

export interface WalletTokenisation {
  status: 'ACTIVE' | 'DECLINED';
  network: CardNetwork;
  maskedPan: string;
  tokenUniqueReference?: string;
  /** Who said no: the issuer, or the network before asking it (a refusal, or no answer). */
  declinedBy?: 'ISSUER' | 'NETWORK';
  reason?: string;
}

export interface WalletTokenisationDeps {
  tokenRequestorId: string;
  credentials: TokenRequestorCredentials;
  networkKeys: SandboxKeys;
  ledger: Ledger;
}

/** The network that takes this card, by its range. */
export function networkOfCard(networks: readonly NetworkReach[], pan: string): NetworkReach | undefined {
  return networks.find(({ network }) => network.accountRange.test(pan));
}

export async function tokeniseAtNetwork(
  deps: WalletTokenisationDeps,
  reach: NetworkReach,
  request: { sessionId: string; card: CardAccount; activationData: string },
): Promise<WalletTokenisation> {
  const requestId = randomUUID();
  const { tokenRequestorId } = deps;
  const shown = { network: reach.network.cardNetwork, maskedPan: maskPan(request.card.accountNumber) };
  deps.ledger.append('wallet.tokenize.requested', {
    wallet: 'APPLE_PAY',
    tokenRequestorId,
    sessionId: request.sessionId,
    requestId,
    ...shown,
  });
  let outcome: WalletTokenisation;
  try {
    const call = await reach.calls.tokenizeWithAccount(
      { tokenRequestorId, requestId, account: request.card, activationData: request.activationData },
      { credentials: deps.credentials, networkKeys: deps.networkKeys },
    );
    const { status, answer } = await postAsTokenRequestor(deps.credentials, reach, call, 30_000);
    // Read as a receipt's tokenisation would be: by its requestId, there being no receipt.
    const read = reach.calls.readTokenisation(requestId, status, answer);
    outcome =
      read.status === 'ACTIVE'
        ? {
            status: 'ACTIVE',
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
    outcome = { status: 'DECLINED', ...shown, declinedBy: 'NETWORK', reason };
  }
  deps.ledger.append('wallet.tokenize.result', {
    wallet: 'APPLE_PAY',
    tokenRequestorId,
    sessionId: request.sessionId,
    requestId,
    ...outcome,
  });
  return outcome;
}
