/**
 * A sandbox network's side of the issuer's lifecycle calls (suspend, resume, delete one token), the same
 * for both networks, which only word them differently: the token must be the network's (and, where the call
 * names one, its token requestor's), in a status the operation starts from (domain/token-lifecycle.ts); an
 * operation already applied answers the token as it is. A request id the network has applied before is a
 * retry of that request: answered as the token stands and not applied again. Every call is in the ledger
 * (`token.lifecycle`, `token.lifecycle.refused`, or `token.lifecycle.replayed`), so that a test can count the
 * calls a token had and the ones that took effect.
 */
import { lifecycleTransition, type LifecycleOperation } from '../../domain/token-lifecycle.js';
import type { Ledger } from './ledger.js';
import type { NetworkState, Token } from './network-state.js';

export type LifecycleOutcome = { token: Token } | { refused: 'TOKEN_NOT_FOUND' | 'STATE_CONFLICT'; message: string };

export function applyTokenLifecycle(
  state: NetworkState,
  ledger: Ledger,
  call: {
    requestId?: string;
    tokenUniqueReference: string;
    tokenRequestorId?: string;
    operation: LifecycleOperation;
    /** The reason as the network's wire names it. */
    reason: string;
  },
): LifecycleOutcome {
  // A request id seen before is the same request again (a retry): answered as the token stands, applied once.
  if (call.requestId !== undefined && ledger.find({ kind: 'token.lifecycle', requestId: call.requestId }).length > 0) {
    ledger.append('token.lifecycle.replayed', { ...call });
    const token = state.token(call.tokenUniqueReference);
    if (token) return { token };
  }
  const token = state.token(call.tokenUniqueReference);
  if (!token || (call.tokenRequestorId !== undefined && token.tokenRequestorId !== call.tokenRequestorId)) {
    ledger.append('token.lifecycle.refused', { ...call, refusal: 'TOKEN_NOT_FOUND' });
    return { refused: 'TOKEN_NOT_FOUND', message: 'The network holds no such token' };
  }
  const transition = lifecycleTransition(call.operation, token.status);
  if ('refused' in transition) {
    ledger.append('token.lifecycle.refused', { ...call, refusal: 'STATE_CONFLICT', status: token.status });
    return { refused: 'STATE_CONFLICT', message: transition.refused };
  }
  ledger.append('token.lifecycle', { ...call, from: token.status, to: transition.to, already: transition.already });
  if (transition.already) return { token };
  return { token: state.recordTokenStatus(token.tokenUniqueReference, transition.to, `ISSUER_${call.operation}`) };
}
