/**
 * The issuer's MDES Token Connect client: getEligibleTokenRequestors, the token requestors' logos, and
 * pushMultipleAccounts. Requests are signed with OAuth 1.0a (Mastercard's signer), card data encrypted
 * with the deployment's MDES profile, the JWS over the receipts verified (RS256 only) against MDES's
 * published keys. Request-level errors are thrown typed (retryable or not); a card MDES refuses comes
 * back as that card's errors, beside the cards it accepted.
 */
import { compactVerify, createLocalJWKSet, errors as joseErrors } from 'jose';
import { mdesPayloadProfiles } from '../../crypto/encryption/profile-registry.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { ErrorType } from '../../../domain/errors.js';
import { callNetwork, networkFailure, type NetworkResponse } from '../network-call.js';
import { mdesAuthorizationHeader } from './oauth1.js';
import type { MdesError } from './schemas.js';

export type PushMethodType = 'ANDROID' | 'IOS' | 'WEB';

export interface MdesTokenRequestor {
  tokenRequestorId: string;
  name: string;
  consumerFacingEntityName: string;
  imageAssetId: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT';
  walletId?: string;
  enabledAccountRanges: string[];
  supportedPushMethods: PushMethodType[];
  availablePushMethods: { type: PushMethodType; uri: string }[];
  supportsMultiplePushedCards: boolean;
  supportedAccountHolderData: ('NAME' | 'ADDRESS' | 'EMAIL_ADDRESS' | 'MOBILE_PHONE_NUMBER')[];
  supportsCardHolderAuthentication: boolean;
  supportIssuerInitiatedDigitizationData: boolean;
}

export interface MdesMediaContent {
  type: string;
  data: string;
  width?: number;
  height?: number;
}

export interface MdesAccountHolderData {
  accountHolderName?: string;
  accountHolderAddress?: {
    line1?: string;
    line2?: string;
    city?: string;
    countrySubdivision?: string;
    postalCode?: string;
    country?: string;
  };
  accountHolderEmailAddress?: string;
  accountHolderMobilePhoneNumber?: { countryDialInCode: string; phoneNumber: string };
}

export interface MdesPushAccount {
  /** The issuer's reference for this card in this push (<= 36 characters), never card data. */
  pushAccountId: string;
  card: { accountNumber: string; expiryMonth: string; expiryYear: string };
  accountHolderData?: MdesAccountHolderData;
  /** The signed authentication proof whose `sub` is `pushAccountId`. */
  authenticationProof: string;
}

export interface MdesPushRequest {
  /** Stable across retries of one push: MDES answers a repeated requestId with the same receipts. */
  requestId: string;
  tokenRequestorId: string;
  accounts: MdesPushAccount[];
  callbackUrl?: string;
  completeWebsiteActivation?: boolean;
  locale?: string;
  requestIssuerInitiatedDigitizationData?: boolean;
  receiptValidityMinutes?: number;
}

export interface MdesPushedAccountResult {
  pushAccountId: string;
  pushAccountReceipt?: string;
  issuerInitiatedDigitizationData?: string;
  errors?: MdesError[];
}

export interface MdesPushResult {
  responseId: string;
  pushAccountReceipts: MdesPushedAccountResult[];
  availablePushMethods: { type: PushMethodType; uri: string }[];
  /** MDES's JWS over the receipts: handed to the token requestor with the redirect. */
  signature?: string;
  /** What the signature covers, as MDES signed it. */
  signedData?: {
    pushAccountReceipts: string[];
    callbackURL: string | null;
    completeWebsiteActivation: boolean;
    accountHolderDataSupplied: boolean;
    locale: string;
  };
}

export const mdesOperations = {
  getEligibleTokenRequestors: '/mdes/connect/1/0/getEligibleTokenRequestors',
  pushMultipleAccounts: '/mdes/connect/1/0/pushMultipleAccounts',
  asset: '/mdes/issuer-assets/1/0/asset/tokenrequestor/',
} as const;

export interface MdesClientOptions {
  timeoutMs?: number;
}

export class MdesClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: NetworkCredentials,
    options: MdesClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async getEligibleTokenRequestors(request: {
    requestId: string;
    accountRanges: string[];
  }): Promise<MdesTokenRequestor[]> {
    const body = await this.post('getEligibleTokenRequestors', request);
    return (body as { tokenRequestors?: MdesTokenRequestor[] }).tokenRequestors ?? [];
  }

  async getAsset(assetId: string): Promise<MdesMediaContent[]> {
    const url = `${this.credentials.mdes.baseUrl}${mdesOperations.asset}${encodeURIComponent(assetId)}`;
    const response = await callNetwork({
      network: 'MDES',
      operation: 'getAsset',
      method: 'GET',
      url,
      headers: { authorization: this.sign(url, 'GET', null), accept: 'application/json' },
      timeoutMs: this.timeoutMs,
    });
    return (this.readBody('getAsset', response) as { mediaContents: MdesMediaContent[] }).mediaContents;
  }

  async pushMultipleAccounts(request: MdesPushRequest): Promise<MdesPushResult> {
    if (request.accounts.length < 1 || request.accounts.length > 5) {
      throw new RangeError(`MDES pushes 1 to 5 accounts at once, not ${request.accounts.length}`);
    }
    const plaintext = request.accounts.map((account) => ({
      pushAccountId: account.pushAccountId,
      fundingAccountData: {
        cardAccountData: account.card,
        ...(account.accountHolderData && { accountHolderData: account.accountHolderData }),
      },
      issuerAuthenticationProof: account.authenticationProof,
    }));
    const profile = this.credentials.encryptionProfileFor('mdes', request.tokenRequestorId);
    const encryptedPayload = await mdesPayloadProfiles[profile](plaintext, this.credentials);
    const accountHolderDataSupplied = request.accounts.some((account) => account.accountHolderData !== undefined);
    const body = (await this.post('pushMultipleAccounts', {
      requestId: request.requestId,
      tokenRequestorId: request.tokenRequestorId,
      pushFundingAccounts: { encryptedPayload },
      signatureData: {
        ...(request.callbackUrl && { callbackURL: request.callbackUrl }),
        completeIssuerAppActivation: false,
        completeWebsiteActivation: request.completeWebsiteActivation ?? false,
        accountHolderDataSupplied,
        locale: request.locale ?? 'en_US',
      },
      requestIssuerInitiatedDigitizationData: request.requestIssuerInitiatedDigitizationData ?? false,
      pushAccountReceiptsValidityPeriod: request.receiptValidityMinutes ?? 15,
    })) as MdesPushResult;
    const receipts = body.pushAccountReceipts.flatMap((result) =>
      result.pushAccountReceipt ? [result.pushAccountReceipt] : [],
    );
    if (receipts.length === 0) return body;
    return { ...body, signedData: await this.verifyReceiptSignature(body.signature, receipts) };
  }

  /** The JWS must be MDES's (RS256, a published kid) and cover exactly the receipts returned. */
  private async verifyReceiptSignature(
    signature: string | undefined,
    receipts: string[],
  ): Promise<MdesPushResult['signedData']> {
    const failure = (why: string): Error =>
      networkFailure(ErrorType.NetworkCryptographyError, `MDES's signature over the receipts ${why}`, {
        network: 'MDES',
        operation: 'pushMultipleAccounts',
      });
    if (!signature) throw failure('is missing');
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(signature, createLocalJWKSet(this.credentials.mdes.networkJwks), {
        algorithms: ['RS256'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey)
        throw failure("names a key that is not in MDES's published keys");
      if (error instanceof joseErrors.JOSEAlgNotAllowed) throw failure('uses an algorithm other than RS256');
      throw failure('does not verify');
    }
    const signed = JSON.parse(new TextDecoder().decode(payload)) as NonNullable<MdesPushResult['signedData']>;
    const covered = [...signed.pushAccountReceipts].sort().join(',');
    if (covered !== [...receipts].sort().join(',')) throw failure('covers other receipts than those returned');
    return signed;
  }

  private sign(url: string, method: string, body: string | null): string {
    return mdesAuthorizationHeader(url, method, body, {
      consumerKey: this.credentials.mdes.consumerKey,
      signingKeyPem: this.credentials.mdes.signingKeyPem,
    });
  }

  private async post(
    operation: 'getEligibleTokenRequestors' | 'pushMultipleAccounts',
    payload: object,
  ): Promise<unknown> {
    const url = `${this.credentials.mdes.baseUrl}${mdesOperations[operation]}`;
    const body = JSON.stringify(payload);
    const response = await callNetwork({
      network: 'MDES',
      operation,
      method: 'POST',
      url,
      headers: {
        authorization: this.sign(url, 'POST', body),
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body,
      timeoutMs: this.timeoutMs,
    });
    return this.readBody(operation, response);
  }

  /** MDES's two error envelopes: the gateway's (4xx) and the business one (HTTP 200 with errors[]). */
  private readBody(operation: string, response: NetworkResponse): unknown {
    const where = { network: 'MDES' as const, operation, status: response.status };
    if (response.status >= 400) {
      const gateway = (
        response.body as {
          Errors?: { Error?: { ReasonCode?: string; Description?: string; Details?: string | null }[] };
        }
      )?.Errors?.Error?.[0];
      const reason = gateway
        ? `${gateway.ReasonCode}: ${gateway.Description}${gateway.Details ? ` (${gateway.Details})` : ''}`
        : `HTTP ${response.status}`;
      const type =
        response.status === 401 || response.status === 403
          ? ErrorType.NetworkAuthenticationFailed
          : ErrorType.NetworkRejectedRequest;
      throw networkFailure(type, `MDES refused ${operation}: ${reason}`, {
        ...where,
        ...(gateway?.ReasonCode && { reasonCode: gateway.ReasonCode }),
      });
    }
    const errors = (response.body as { errors?: MdesError[] } | undefined)?.errors;
    if (errors && errors.length > 0) {
      const first = errors[0]!;
      const type =
        first.reasonCode === 'CRYPTOGRAPHY_ERROR'
          ? ErrorType.NetworkCryptographyError
          : first.recoverable && first.source === 'MDES'
            ? ErrorType.NetworkUnavailable
            : first.source === 'MDES'
              ? ErrorType.NetworkDeclined
              : ErrorType.NetworkRejectedRequest;
      throw networkFailure(
        type,
        `MDES refused ${operation}: ${errors.map((error) => `${error.reasonCode}: ${error.description}`).join('; ')}`,
        {
          ...where,
          reasonCode: first.reasonCode,
        },
      );
    }
    if (response.body === undefined) {
      throw networkFailure(ErrorType.NetworkUnavailable, `MDES answered ${operation} with an empty body`, where);
    }
    return response.body;
  }
}
