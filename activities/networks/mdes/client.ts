/**
 * The issuer's MDES Token Connect client: getEligibleTokenRequestors, the token requestors' logos, and
 * pushMultipleAccounts. Requests are signed with OAuth 1.0a (Mastercard's signer), card data encrypted
 * with the deployment's MDES profile, the JWS over the receipts verified (RS256 only) against MDES's
 * published keys. Request-level errors are thrown typed (retryable or not); a card MDES refuses comes
 * back as that card's errors, beside the cards it accepted.
 */
import { compactVerify, createLocalJWKSet, errors as joseErrors } from 'jose';
import type { z } from 'zod';
import { mdesPayloadProfiles } from '../../crypto/encryption/profile-registry.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { ErrorType } from '../../../domain/errors.js';
import { callNetwork, networkAnswerReader, networkFailure, type NetworkResponse } from '../network-call.js';
import { signedMdesAuthorizationHeader } from './oauth1.js';
import {
  MdesAssetResponse,
  MdesEligibleTokenRequestorsResponse,
  MdesErrorResponse,
  MdesGatewayErrorResponse,
  MdesPushMultipleAccountsResponse,
  MdesReceiptSignatureData,
  type MdesAccountHolderData,
  type MdesEligibleTokenRequestorsRequest,
  type MdesMediaContent,
  type MdesPushedFundingAccounts,
  type MdesPushMultipleAccountsRequest,
  type MdesTokenRequestor,
} from './schemas.js';

export type {
  MdesAccountHolderData,
  MdesMediaContent,
  MdesPushedAccountResult,
  MdesTokenRequestor,
  PushMethodType,
} from './schemas.js';

/** MDES's answers read with their schemas. */
const answerOf = networkAnswerReader('MDES');

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

export type MdesPushResult = z.infer<typeof MdesPushMultipleAccountsResponse> & {
  /** What the signature covers, as MDES signed it. */
  signedData?: MdesReceiptSignatureData;
};

/** A business refusal (HTTP 200 with errors[]), whether or not it names its responseId. */
const MdesBusinessErrors = MdesErrorResponse.pick({ errors: true });

export const mdesOperations = {
  getEligibleTokenRequestors: '/mdes/connect/1/0/getEligibleTokenRequestors',
  pushMultipleAccounts: '/mdes/connect/1/0/pushMultipleAccounts',
  asset: '/mdes/issuer-assets/1/0/asset/tokenrequestor/',
  activate: '/mdes/csapi/v2/token/activate',
  suspend: '/mdes/csapi/v2/token/suspend',
  unsuspend: '/mdes/csapi/v2/token/unsuspend',
  delete: '/mdes/csapi/v2/token/delete',
  search: '/mdes/csapi/v2/search',
  update: '/mdes/csapi/v2/token/update',
} as const;

/** The token customer service calls (token-lifecycle.ts; search: token-status.ts; update: card-replacement.ts). */
export type MdesCustomerServiceOperation = 'activate' | 'suspend' | 'unsuspend' | 'delete' | 'search' | 'update';

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

  async getEligibleTokenRequestors(
    request: z.input<typeof MdesEligibleTokenRequestorsRequest>,
  ): Promise<MdesTokenRequestor[]> {
    const body = await this.post('getEligibleTokenRequestors', request);
    return answerOf(MdesEligibleTokenRequestorsResponse, body, 'getEligibleTokenRequestors').tokenRequestors;
  }

  async getAsset(assetId: string): Promise<MdesMediaContent[]> {
    const url = `${this.credentials.mdes.baseUrl}${mdesOperations.asset}${encodeURIComponent(assetId)}`;
    const response = await callNetwork({
      network: 'MDES',
      operation: 'getAsset',
      method: 'GET',
      url,
      headers: { authorization: await this.sign(url, 'GET', null), accept: 'application/json' },
      timeoutMs: this.timeoutMs,
    });
    return answerOf(MdesAssetResponse, this.readBody('getAsset', response), 'getAsset', response.status).mediaContents;
  }

  async pushMultipleAccounts(request: MdesPushRequest): Promise<MdesPushResult> {
    if (request.accounts.length < 1 || request.accounts.length > 5) {
      throw new RangeError(`MDES pushes 1 to 5 accounts at once, not ${request.accounts.length}`);
    }
    const plaintext: z.input<typeof MdesPushedFundingAccounts> = request.accounts.map((account) => ({
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
    const pushRequest: z.input<typeof MdesPushMultipleAccountsRequest> = {
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
    };
    const body = answerOf(
      MdesPushMultipleAccountsResponse,
      await this.post('pushMultipleAccounts', pushRequest),
      'pushMultipleAccounts',
    );
    const receipts = body.pushAccountReceipts.flatMap((result) =>
      result.pushAccountReceipt ? [result.pushAccountReceipt] : [],
    );
    if (receipts.length === 0) return body;
    return { ...body, signedData: await this.verifyReceiptSignature(body.signature, receipts) };
  }

  /** One token customer service call, signed like the others; its answer as MDES gave it (token-lifecycle.ts reads it). */
  async customerService(operation: MdesCustomerServiceOperation, request: object): Promise<unknown> {
    return this.post(operation, request);
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
    let signedJson: unknown;
    try {
      signedJson = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      throw failure('signs a payload that is not JSON');
    }
    const signed = answerOf(MdesReceiptSignatureData, signedJson, 'pushMultipleAccounts');
    const covered = [...signed.pushAccountReceipts].sort().join(',');
    if (covered !== [...receipts].sort().join(',')) throw failure('covers other receipts than those returned');
    return signed;
  }

  private sign(url: string, method: string, body: string | null): Promise<string> {
    const { consumerKey, signingKey } = this.credentials.mdes;
    return signedMdesAuthorizationHeader(url, method, body, consumerKey, signingKey);
  }

  private async post(
    operation: 'getEligibleTokenRequestors' | 'pushMultipleAccounts' | MdesCustomerServiceOperation,
    payload:
      z.input<typeof MdesEligibleTokenRequestorsRequest> | z.input<typeof MdesPushMultipleAccountsRequest> | object,
  ): Promise<unknown> {
    const url = `${this.credentials.mdes.baseUrl}${mdesOperations[operation]}`;
    const body = JSON.stringify(payload);
    const response = await callNetwork({
      network: 'MDES',
      operation,
      method: 'POST',
      url,
      headers: {
        authorization: await this.sign(url, 'POST', body),
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
      const gateway = MdesGatewayErrorResponse.safeParse(response.body).data?.Errors.Error[0];
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
    const errors = MdesBusinessErrors.safeParse(response.body).data?.errors;
    if (errors) {
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
