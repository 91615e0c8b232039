/**
 * What the issuer's callback routes (api/network-callbacks.ts) need to know of one network: where it calls,
 * how its calls are verified and opened, its messages parsed into the engine's terms, and its envelopes.
 * The routes, the receipt lookup and the inventory write are the same for every network.
 */
import type { z } from 'zod';
import type { TokenStatus, TokenUpdate } from '../../domain/enrollment.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import type { ClaimSingleUse } from './issuer-callbacks.js';

export const callbackOperations = ['authorizeService', 'notifyTokenUpdated'] as const;
export type CallbackOperation = (typeof callbackOperations)[number];

/** What `open` gives for a verified body that is not JSON: refused like any other malformed message. */
export const notJson = Symbol('not JSON');

/** A call as received: the exact text of its body and what its signature covers. */
export interface ReceivedCall {
  url: string;
  authorization: string | undefined;
  body: string;
}

/** authorizeService, in the engine's terms: may this token requestor tokenise the card of this receipt? */
export interface AuthorizationAsked {
  receipt: string | undefined;
  tokenRequestorId: string;
}

export interface IssuerDecision {
  decision: 'APPROVED' | 'DECLINED';
  reason?: string;
}

/** notifyTokenUpdated, in the engine's terms: a token's new state, found by the receipt it came from. */
export type ReportedToken = Omit<TokenUpdate, 'network' | 'status'> & { status: TokenStatus };

export interface NetworkCallbacks {
  /** How the network is named in the OpenAPI document. */
  name: string;
  prefix: string;
  mediaType: 'application/json' | 'application/jose';
  /** The network's envelope for a call refused before its message is read; `details` says why. */
  refusedCall(status: number, description: string, details?: string): object;
  /** The network's envelope (400) for a verified message that does not match its operation's schema. */
  refusedMessage(error: z.ZodError): object;
  errorSchema: z.ZodType;
  /** The verified message, as JSON (`notJson` if it is not); throws a CryptoFailure when the call is not the network's. */
  open(call: ReceivedCall, credentials: NetworkCredentials, claim: ClaimSingleUse): Promise<unknown>;
  authorizeService: {
    /** Parses the network's message into the question asked. */
    request: z.ZodType<AuthorizationAsked>;
    response: z.ZodType;
    answer(decision: IssuerDecision): object;
  };
  notifyTokenUpdated: {
    /** Parses the network's message into the tokens it reports (only those with a receipt). */
    request: z.ZodType<ReportedToken[]>;
    response: z.ZodType;
    answer(): object;
  };
}
