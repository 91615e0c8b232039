/**
 * What a network does when a token requestor tokenises with a push receipt: check the receipt (known,
 * for this token requestor, unexpired, unused), ask the issuer (`authorizeService`), create the token and
 * tell the issuer (`notifyTokenUpdated`). The same for MDES and VTS; only the wire formats differ. A card
 * the token requestor names by itself (a wallet's) is account-tokenization.ts's.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { Knobs } from '../knobs.js';
import type { AuthorizationOutcome, IssuerCallbacks, IssuerDecision } from './issuer-callbacks.js';
import type { NetworkState, PushedAccount, ShownAccount, Token, TokenStatus } from './network-state.js';
import type { SandboxNetwork } from './sandbox-network.js';
import type { WalletAssessment } from './wallet-assessment.js';
import type { WalletEvent } from './token-events.js';

export type TokenisationRefusal =
  | 'UNKNOWN_RECEIPT'
  | 'RECEIPT_EXPIRED'
  | 'WRONG_TOKEN_REQUESTOR'
  | 'RECEIPT_ALREADY_USED'
  | 'UNKNOWN_TOKEN_REQUESTOR'
  | 'ACCOUNT_INVALID'
  | 'ACCOUNT_INELIGIBLE'
  | 'REQUEST_ID_REUSED';

export type TokenisationResult =
  | { outcome: 'refused'; reason: TokenisationRefusal; description: string }
  | {
      outcome: 'decided';
      decision: IssuerDecision;
      account: ShownAccount;
      token?: Token;
      standIn?: string;
      /** The issuer's ways for the cardholder to activate a token it wants stepped up. */
      activationMethods?: unknown[];
      issuerReason?: string;
    };

/** A card a token requestor names by itself: its number and expiry (month 1-12, four-digit year). */
export interface CardAccount {
  accountNumber: string;
  expiryMonth: number;
  expiryYear: number;
}

type TokenReferences = ReturnType<SandboxNetwork['newTokenReferences']>;
type AuthorizationRequest = { correlationId: string; [field: string]: unknown };

export interface TokenisationDeps {
  network: Pick<SandboxNetwork, 'newTokenReferences' | 'brand' | 'accountRange'>;
  state: NetworkState;
  knobs: { current: Knobs };
  callbacks: IssuerCallbacks;
  /**
   * The issuer-facing shape of a token notification, per network (one without a receipt names none); with
   * the wallet's event that caused it, when the network tells one on its own initiative.
   */
  tokenNotification(token: Token, event?: WalletEvent): object;
  /** The issuer-facing shape of an authorizeService call, per network. */
  authorizationRequest(account: PushedAccount, ids: { correlationId: string; requestId: string }): AuthorizationRequest;
  /**
   * The issuer-facing authorizeService for a card named by itself, per network: the card encrypted for the
   * issuer, the token being created, no receipt.
   */
  accountAuthorizationRequest(
    request: { account: CardAccount; tokenRequestorId: string; token: TokenReferences; assessment?: WalletAssessment },
    ids: { correlationId: string; requestId: string },
  ): Promise<AuthorizationRequest>;
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
  return concludeTokenisation(
    deps,
    { requestId: request.requestId, authorization, references: deps.network.newTokenReferences(), account },
    now,
  );
}

/**
 * The network's word once the issuer has answered: the token when the issuer approved (unless the
 * tokenisation decline knob says no), ACTIVE, or INACTIVE until the cardholder activates it when the
 * issuer or the token requestor's own risk asked for more (the yellow path, answered
 * REQUIRE_ADDITIONAL_AUTHENTICATION); the tokenisation recorded under its receipt (or, for a card named by
 * itself, its requestId), and the issuer told of the new token.
 */
export function concludeTokenisation(
  deps: TokenisationDeps,
  tokenisation: {
    requestId: string;
    authorization: AuthorizationOutcome;
    references: TokenReferences;
    /** A receipt's card (PushedAccount), or a card named by itself. */
    account: ShownAccount & { receipt?: string };
    /** The token requestor's risk asks the cardholder to activate the token (a wallet's recommendation). */
    stepUp?: boolean;
  },
  now: Date,
): TokenisationResult {
  const { requestId, authorization, references, account } = tokenisation;
  let decision: IssuerDecision = deps.knobs.current.declines.tokenisation ? 'DECLINED' : authorization.decision;
  if (decision === 'APPROVED' && tokenisation.stepUp) decision = 'REQUIRE_ADDITIONAL_AUTHENTICATION';
  const token =
    decision === 'DECLINED'
      ? undefined
      : newToken(references, account, decision === 'APPROVED' ? 'ACTIVE' : 'INACTIVE', now);
  const result: TokenisationResult = {
    outcome: 'decided',
    decision,
    account,
    ...(token && { token }),
    ...(authorization.standIn && { standIn: authorization.standIn }),
    ...(authorization.issuerReason && { issuerReason: authorization.issuerReason }),
    ...(decision === 'REQUIRE_ADDITIONAL_AUTHENTICATION' &&
      authorization.activationMethods && { activationMethods: authorization.activationMethods }),
  };
  deps.state.recordTokenisation({
    requestId,
    response: result,
    decision,
    ...(token && { token }),
    ...(account.receipt !== undefined ? { receipt: account.receipt } : { account }),
  });
  if (token) announceToken(deps, token, now);
  return result;
}

/** Tells the issuer of a new token (and, when the knobs say so, of a stale state after it). */
function announceToken(deps: TokenisationDeps, token: Token, now: Date): void {
  const notifications = [deps.tokenNotification(token)];
  if (deps.knobs.current.notifications.outOfOrder) {
    // A stale event (the token's creation, before activation) arriving after the newer one.
    const stale = {
      ...token,
      status: 'INACTIVE' as TokenStatus,
      statusTimestamp: new Date(now.getTime() - 1_000).toISOString(),
    };
    notifications.push(deps.tokenNotification(stale));
  }
  deps.callbacks.notifyTokenUpdated(notifications);
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

export function refused(reason: TokenisationRefusal, description: string): TokenisationResult {
  return { outcome: 'refused', reason, description };
}

/** A new token under these references for this card (of a receipt, or named by itself). */
function newToken(
  references: TokenReferences,
  account: Pick<ShownAccount, 'tokenRequestorId' | 'panSuffix'> & { receipt?: string },
  status: 'ACTIVE' | 'INACTIVE',
  now: Date,
): Token {
  return {
    ...references,
    ...(account.receipt !== undefined && { receipt: account.receipt }),
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
  event?: WalletEvent,
): Token | undefined {
  const token = deps.state.token(tokenUniqueReference);
  if (!token) return undefined;
  const updated = deps.state.recordTokenStatus(tokenUniqueReference, status, reason);
  deps.callbacks.notifyTokenUpdated([deps.tokenNotification(updated, event)]);
  return updated;
}
