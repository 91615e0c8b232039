/**
 * A sandbox network's side of the issuer's token status inquiry, the same for both networks, which only
 * word it differently: the token as the network holds it, or none when it is not the network's (or, where
 * the call names one, not its token requestor's). Every inquiry is in the ledger as `token.status.query`
 * (not `token.status`, the kind of a status change, which the network's memory replays at a restart).
 */
import type { Ledger } from './ledger.js';
import type { NetworkState, Token } from './network-state.js';

export function inquireTokenStatus(
  state: NetworkState,
  ledger: Ledger,
  call: { tokenUniqueReference: string; tokenRequestorId?: string; requestedBy?: string },
): Token | undefined {
  const held = state.token(call.tokenUniqueReference);
  const token =
    held && (call.tokenRequestorId === undefined || held.tokenRequestorId === call.tokenRequestorId) ? held : undefined;
  ledger.append('token.status.query', { ...call, found: token !== undefined, ...(token && { status: token.status }) });
  return token;
}
