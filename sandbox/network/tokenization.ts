/**
 * What a network does when a token requestor tokenises with a push receipt: check the receipt (known,
 * for this token requestor, unexpired, unused), ask the issuer (`authorizeService`), create the token and
 * tell the issuer (`notifyTokenUpdated`). The same for MDES and VTS; only the wire formats differ.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Knobs } from '../knobs.js';
import type { IssuerCallbacks, IssuerDecision } from './issuer-callbacks.js';
import type { NetworkState, PushedAccount, Token, TokenStatus } from './network-state.js';
import type { SandboxNetwork } from './sandbox-network.js';

export type TokenisationRefusal =
  'UNKNOWN_RECEIPT' | 'RECEIPT_EXPIRED' | 'WRONG_TOKEN_REQUESTOR' | 'RECEIPT_ALREADY_USED';

export type TokenisationResult =
  | { outcome: 'refused'; reason: TokenisationRefusal; description: string }
  | { outcome: 'decided'; decision: IssuerDecision; account: PushedAccount; token?: Token; standIn?: string };

export interface TokenisationDeps {
  network: Pick<SandboxNetwork, 'newTokenReferences'>;
  state: NetworkState;
  knobs: { current: Knobs };
  callbacks: IssuerCallbacks;
  /** The issuer-facing shape of a token notification, per network. */
  tokenNotification(token: Token, account: PushedAccount): object;
  /** The issuer-facing shape of an authorizeService call, per network. */
  authorizationRequest(
    account: PushedAccount,
    ids: { correlationId: string; requestId: string },
  ): { correlationId: string; [field: string]: unknown };
}

export async function tokeniseWithReceipt(
  deps: TokenisationDeps,
  request: { requestId: string; tokenRequestorId: string; receipt: string },
  now: Date = new Date(),
): Promise<TokenisationResult> {
  const { state } = deps;
  const account = state.receipt(request.receipt);
  if (!account) return refused('UNKNOWN_RECEIPT', 'No push account receipt with this value was issued');
  const earlier = state.tokenisationOf(request.receipt);
  if (earlier) {
    // The same tokenisation asked again gets the same answer; another one is refused.
    if (earlier.requestId === request.requestId) return earlier.response as TokenisationResult;
    return refused('RECEIPT_ALREADY_USED', 'This push account receipt was already used to tokenise');
  }
  const problem = receiptProblem(account, request.tokenRequestorId, now);
  if (problem) return problem;

  const authorization = await deps.callbacks.authorizeService(
    deps.authorizationRequest(account, {
      correlationId: randomBytes(16).toString('hex'),
      requestId: request.requestId,
    }),
  );
  const decision = deps.knobs.current.declines.tokenisation ? 'DECLINED' : authorization.decision;
  let token: Token | undefined;
  if (decision === 'APPROVED') token = newToken(deps.network, account, 'ACTIVE', now);
  const result: TokenisationResult = {
    outcome: 'decided',
    decision,
    account,
    ...(token && { token }),
    ...(authorization.standIn && { standIn: authorization.standIn }),
  };
  state.recordTokenisation({
    requestId: request.requestId,
    receipt: account.receipt,
    response: result,
    decision,
    ...(token && { token }),
  });
  if (token) {
    const notifications = [deps.tokenNotification(token, account)];
    if (deps.knobs.current.notifications.outOfOrder) {
      // A stale event (the token's creation, before activation) arriving after the newer one.
      const stale = {
        ...token,
        status: 'INACTIVE' as TokenStatus,
        statusTimestamp: new Date(now.getTime() - 1_000).toISOString(),
      };
      notifications.push(deps.tokenNotification(stale, account));
    }
    deps.callbacks.notifyTokenUpdated(notifications);
  }
  return result;
}

/** Why this token requestor cannot use this receipt now (other than its having been used), or undefined. */
function receiptProblem(account: PushedAccount, tokenRequestorId: string, now: Date): TokenisationResult | undefined {
  if (account.tokenRequestorId !== tokenRequestorId) {
    return refused('WRONG_TOKEN_REQUESTOR', `This receipt was issued for token requestor ${account.tokenRequestorId}`);
  }
  if (now.getTime() >= Date.parse(account.expiresAt)) {
    return refused(
      'RECEIPT_EXPIRED',
      `This push account receipt expired at ${account.expiresAt}; the issuer must push the card again`,
    );
  }
  return undefined;
}

/**
 * What a token requestor may learn of a pushed card before it tokenises (MDES's checkEligibility): the
 * card as the network shows it (last four, expiry) and until when the receipt holds.
 */
export function checkReceipt(
  state: NetworkState,
  request: { tokenRequestorId: string; receipt: string },
  now: Date = new Date(),
):
  | { outcome: 'refused'; reason: TokenisationRefusal; description: string }
  | { outcome: 'eligible'; account: PushedAccount } {
  const account = state.receipt(request.receipt);
  if (!account)
    return {
      outcome: 'refused',
      reason: 'UNKNOWN_RECEIPT',
      description: 'No push account receipt with this value was issued',
    };
  if (state.tokenisationOf(request.receipt)) {
    return {
      outcome: 'refused',
      reason: 'RECEIPT_ALREADY_USED',
      description: 'This push account receipt was already used to tokenise',
    };
  }
  const problem = receiptProblem(account, request.tokenRequestorId, now);
  if (problem?.outcome === 'refused') return problem;
  return { outcome: 'eligible', account };
}

function refused(reason: TokenisationRefusal, description: string): TokenisationResult {
  return { outcome: 'refused', reason, description };
}

function newToken(
  network: Pick<SandboxNetwork, 'newTokenReferences'>,
  account: PushedAccount,
  status: TokenStatus,
  now: Date,
): Token {
  return {
    ...network.newTokenReferences(),
    receipt: account.receipt,
    tokenRequestorId: account.tokenRequestorId,
    status,
    statusTimestamp: now.toISOString(),
    tokenPanSuffix: String(randomInt(0, 10_000)).padStart(4, '0'),
    accountPanSuffix: account.panSuffix,
  };
}

/** A later lifecycle change of a token (suspend, resume, delete), told to the issuer. */
export function changeTokenStatus(
  deps: TokenisationDeps,
  tokenUniqueReference: string,
  status: TokenStatus,
  reason: string,
): Token | undefined {
  const token = deps.state.token(tokenUniqueReference);
  if (!token) return undefined;
  const updated = deps.state.recordTokenStatus(tokenUniqueReference, status, reason);
  const account = deps.state.receipt(updated.receipt)!;
  deps.callbacks.notifyTokenUpdated([deps.tokenNotification(updated, account)]);
  return updated;
}
