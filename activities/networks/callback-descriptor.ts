/**
 * What the issuer's callback routes (api/network-callbacks.ts) need to know of one network: where it calls,
 * how its calls are verified and opened, its messages parsed into the engine's terms, the cards it names
 * encrypted for the issuer opened, and its envelopes. The routes, the lookups of receipts and cards and the
 * inventory write are the same for every network.
 */
import type { z } from 'zod';
import type { ActivationMethod } from '../../domain/decisioning/activation.js';
import type { TokenisationSource, WalletRecommendation } from '../../domain/decisioning/rules.js';
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

/**
 * authorizeService, in the engine's terms: may this token requestor tokenise the card of this receipt, or,
 * without a receipt (a wallet's tokenisation), this card, which the network names encrypted for the issuer?
 */
export interface AuthorizationAsked {
  receipt: string | undefined;
  tokenRequestorId: string;
  /** The token the network is creating, when it names it: what its later notifications name. */
  tokenUniqueReference?: string;
  /** The card, as the network encrypted it for the issuer: only the network's `openAccount` reads it. */
  encryptedAccount?: unknown;
  /** What the network and the wallet say of this tokenisation, for the issuer's rules. */
  facts?: AskedFacts;
}

/** The network's and the wallet's view of a tokenisation: where the card came from, scores, recommendation. */
export interface AskedFacts {
  source?: TokenisationSource;
  tokenType?: string;
  walletRecommendation?: WalletRecommendation;
  accountScore?: number;
  deviceScore?: number;
  activeTokenCount?: number;
}

/** A card as opened: its number (never logged, never stored) and its expiry (month 1-12, four-digit year). */
export interface OpenedAccount {
  accountNumber: string;
  expiryMonth: number;
  expiryYear: number;
}

export interface IssuerDecision {
  decision: 'APPROVED' | 'DECLINED' | 'REQUIRE_ADDITIONAL_AUTHENTICATION';
  reason?: string;
  /** For a step-up: how the cardholder may activate the token, masked. */
  activationMethods?: ActivationMethod[];
}

/**
 * notifyTokenUpdated, in the engine's terms: a token's new state, found by the receipt it came from, or (a
 * wallet's token, named without its receipt) by its reference.
 */
export type ReportedToken = Omit<TokenUpdate, 'network' | 'status' | 'receipt'> & {
  status: TokenStatus;
  receipt?: string;
};

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
  /** The card an authorisation names by itself; throws a CryptoFailure when it does not open to a card. */
  openAccount(encrypted: unknown, credentials: NetworkCredentials): Promise<OpenedAccount>;
  authorizeService: {
    /** Parses the network's message into the question asked. */
    request: z.ZodType<AuthorizationAsked>;
    response: z.ZodType;
    answer(decision: IssuerDecision): object;
  };
  notifyTokenUpdated: {
    /** Parses the network's message into the tokens it reports (only those with a receipt or a reference). */
    request: z.ZodType<ReportedToken[]>;
    response: z.ZodType;
    answer(): object;
  };
}

/** The facts the network gave, without the ones it left out. */
export function askedFacts(facts: { [Field in keyof AskedFacts]: AskedFacts[Field] | undefined }): AskedFacts {
  return Object.fromEntries(Object.entries(facts).filter(([, value]) => value !== undefined));
}
