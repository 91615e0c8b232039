/**
 * What the engine asks of one card network, written once per network in its own folder (mdes/, vts/)
 * and listed in registry.ts: which cards a token requestor takes, the token requestors it lists, the push
 * and its answer with the redirect's parameters, the audience of the authentication proofs, and the calls
 * it makes back to the issuer (callback-descriptor.ts). Nothing outside a network's folder asks which
 * network it is.
 */
import type { CachedTokenRequestor } from '../../db/token-requestors.js';
import type { CardDetails } from '../../domain/card-number.js';
import type { CardReplacementRequest, CardReplacementResult } from '../../domain/card-replacement.js';
import type { CardNetwork, PushMethod } from '../../domain/enrollment.js';
import type { TokenLifecycleRequest, TokenLifecycleResult } from '../../domain/token-lifecycle.js';
import type { NetworkTokenStatus, TokenStatusRequest } from '../../domain/token-reconciliation.js';
import type { AuthenticationMethod } from '../crypto/authentication-proof.js';
import type { PushedCardOutcome } from '../enrollment/activity-types.js';
import type { IssuerSigningKeys } from '../keys/issuer-signing-keys.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import type { NetworkCallbacks } from './callback-descriptor.js';

export interface CardNetworkAdapter {
  /** The network's id, as cards, receipts and the inventory record it. */
  id: CardNetwork;
  /** The network as a consumer knows it ("Visa"), in refusals. */
  brand: string;
  /** Whether this token requestor (of this network) takes cards of this BIN. */
  takesCard(requestor: CachedTokenRequestor, bin: string): boolean;
  /** The token requestors taking these BINs (the issuer's account ranges), asked of the network now. */
  tokenRequestors(bins: string[], refreshedAt: string): Promise<CachedTokenRequestor[]>;
  /** Who the signed authentication proofs are for, from what the network handed the issuer. */
  proofAudience(credentials: NetworkCredentials): string;
  /** One push request, idempotent per `requestId`: the cards' receipts or refusals, and where to redirect. */
  push(request: NetworkPushRequest): Promise<NetworkPushAnswer>;
  /** The network's calls back to the issuer during tokenisation. */
  callbacks: NetworkCallbacks;
  /**
   * The activation data a wallet's payload carries for this network: the issuer's signed word that it
   * authenticated the cardholder for this card, which the network checks when the wallet tokenises.
   */
  walletActivationData(request: WalletActivationRequest): Promise<string>;
  /**
   * Google Pay's opaque payment card (`PushTokenizeRequest.setOpaquePaymentCard`) for this network, base64:
   * the card encrypted for the network's token service, which Google Wallet hands it when it tokenises.
   */
  pushTokenizeOpc(request: PushTokenizeOpcRequest): Promise<string>;
  /**
   * Suspends, resumes or deletes one token at the network (its issuer lifecycle call); answers the token's
   * status after it, or throws TokenLifecycleRefused (domain/token-lifecycle.ts) for a token the network does
   * not hold or one in a status the operation does not start from.
   */
  tokenLifecycle(request: TokenLifecycleRequest): Promise<TokenLifecycleResult>;
  /**
   * The token's status at the network now (its status inquiry, for the scheduled reconciliation), or
   * `known: false` when the network holds no such token.
   */
  tokenStatus(request: TokenStatusRequest): Promise<NetworkTokenStatus>;
  /**
   * Moves one token to its card's replacement (new number and expiry, encrypted for the network with what it
   * handed the issuer); answers the token as it now stands, or throws CardReplacementRefused
   * (domain/card-replacement.ts).
   */
  replaceCard(request: CardReplacementRequest, credentials: NetworkCredentials): Promise<CardReplacementResult>;
}

export interface PushTokenizeOpcRequest {
  card: CardDetails;
  /** This network's activation data for the provisioning (walletActivationData), carried inside the OPC. */
  activationData: string;
  /** The wallet account and device the app read from TapAndPay: ids, never card data. */
  device: { walletAccountId: string; deviceId: string };
  /** The wallet's token requestor on this network. */
  tokenRequestorId: string;
  credentials: NetworkCredentials;
  now: Date;
}

export interface WalletActivationRequest {
  card: CardDetails;
  /** The wallet provisioning's reference: what the activation data is about, never card data. */
  reference: string;
  methods: AuthenticationMethod[];
  credentials: NetworkCredentials;
  signing: IssuerSigningKeys;
}

/** The account holder data the token requestor takes, from the customer's profile. */
export interface AccountHolder {
  name: boolean;
  address?: Record<string, string>;
  email?: string;
  phone?: { countryDialInCode: string; phoneNumber: string };
}

export interface NetworkPushRequest {
  /** Fixed per attempt: a retried push is answered from the network's records, never pushed twice. */
  requestId: string;
  tokenRequestorId: string;
  /** As cached, when it is. */
  requestor: CachedTokenRequestor | undefined;
  pushMethod: PushMethod;
  cards: { pushAccountId: string; details: CardDetails; authenticationProof: string }[];
  holder: AccountHolder;
  receiptValidityMinutes: number;
  callbackUrl?: string;
  locale?: string;
}

export interface NetworkPushAnswer {
  cards: PushedCardOutcome[];
  pushMethods: { type: PushMethod; uri: string }[];
  /** What the redirect to the token requestor carries (the receipts, and what the network signed). */
  redirectParameters: Record<string, string>;
}
