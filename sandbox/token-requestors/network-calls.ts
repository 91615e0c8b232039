/**
 * What a token requestor asks a network about a pushed card, as each network's folder answers it: how it
 * signs its calls, where it asks what card a receipt stands for and where it tokenises, how it reads the
 * answers, and what it checks of the redirect the issuer sent the consumer with.
 */
import type { SandboxKeys } from '../keys.js';
import type { CardAccount } from '../network/tokenization.js';
import type { TokenRequestorCredentials } from './credentials.js';

/** The wallet account and device an OPC was made for (TapAndPay's active wallet id and stable hardware id). */
export interface WalletDeviceIds {
  walletAccountId: string;
  deviceId: string;
}

export interface TokenisationOutcome {
  pushAccountReceipt: string;
  /** PENDING_ACTIVATION: the token exists, INACTIVE until the cardholder activates it (the yellow path). */
  status: 'ACTIVE' | 'PENDING_ACTIVATION' | 'DECLINED' | 'PENDING' | 'REFUSED' | 'NETWORK_ERROR';
  maskedCard?: string;
  tokenUniqueReference?: string;
  reason?: string;
}

/** What a token requestor makes of the network's decision on its tokenisation. */
export const tokenStatusOf = {
  APPROVED: 'ACTIVE',
  REQUIRE_ADDITIONAL_AUTHENTICATION: 'PENDING_ACTIVATION',
  DECLINED: 'DECLINED',
} as const satisfies Record<string, TokenisationOutcome['status']>;

/** The redirect's fields a network may sign. */
export interface RedirectClaims {
  pushAccountReceipts: string[];
  callbackURL?: string | undefined;
  signature?: string | undefined;
}

/** A call from the token requestor to the network: where to, and what it sends. */
export interface NetworkCall {
  path: string;
  body: object;
}

export interface TokenRequestorNetworkCalls {
  /** The token requestor's own credentials on a call (URL and headers): the body is signed as sent. */
  sign(
    credentials: TokenRequestorCredentials,
    url: string,
    body: string,
  ): { url: string; headers: Record<string, string> };
  /** What card a receipt stands for (MDES checkEligibility, VTS inquiry). */
  receiptInquiry(request: { tokenRequestorId: string; receipt: string; requestId: string }): NetworkCall;
  /** The card as the network shows it, or why it cannot be added. */
  readInquiry(
    status: number,
    answer: unknown,
  ): { refusal: string } | { last4: string; expiry: { month: string; year: string } };
  tokenize(request: { tokenRequestorId: string; receipt: string; requestId: string }): NetworkCall;
  /**
   * A wallet's tokenisation of a card it names by itself, with the issuer's activation data: the card
   * encrypted as this network takes it from a token requestor (for the network's key, or under the token
   * requestor's own credentials). `networkKeys` stands for what the network handed the token requestor at
   * onboarding: only its public encryption certificate is read.
   */
  tokenizeWithAccount(
    request: {
      tokenRequestorId: string;
      requestId: string;
      account: CardAccount;
      activationData: string;
      stepUp?: boolean;
    },
    parties: { credentials: TokenRequestorCredentials; networkKeys: SandboxKeys },
  ): Promise<NetworkCall>;
  /**
   * A wallet's tokenisation with the issuer's own opaque payment card (Google Pay's or Samsung Pay's OPC for
   * this network), passed on as the network takes it: the wallet holds no key that opens the card in it.
   * Throws when the OPC is not in this network's envelope.
   */
  tokenizeWithOpc(request: {
    tokenRequestorId: string;
    requestId: string;
    opc: string;
    device: WalletDeviceIds;
    /** The wallet's own risk asks the cardholder to activate the token (the yellow path). */
    stepUp?: boolean;
  }): NetworkCall;
  /** A tokenisation's answer; one without a receipt (a wallet's) is read under its requestId instead. */
  readTokenisation(receipt: string, status: number, answer: unknown): TokenisationOutcome;
  /** Undefined when the network vouches for these of the redirect's receipts (or vouches for none); else why not. */
  checkRedirect(redirect: RedirectClaims, receipts: string[], baseUrl: string): Promise<string | undefined>;
}
