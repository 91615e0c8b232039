/**
 * The issuer's VTS-style push provisioning client: the token requestors Visa lists, and the push of
 * `encPaymentInstrument`s (shared-secret or RSA JWE, per the deployment's profile), each request
 * authenticated with `apikey` and `x-pay-token`. Errors come in Visa's envelope and are thrown typed;
 * a card Visa refuses comes back as that card's error, beside the cards it accepted.
 */
import { randomUUID } from 'node:crypto';
import { vtsPayloadProfiles } from '../../crypto/encryption/profile-registry.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { ErrorType } from '../../../domain/errors.js';
import { callNetwork, networkFailure, type NetworkResponse } from '../network-call.js';
import { xPayToken } from './x-pay-token.js';

export interface VisaErrorResponse {
  status: number;
  message: string;
  reason: string;
  details?: { location: string }[];
}

export interface VtsPaymentInstrument {
  accountNumber: string;
  name?: string;
  expirationDate: { month: string; year: string };
  billingAddress?: Record<string, string>;
  provider: {
    intent: 'PUSH_PROV_ONFILE' | 'PUSH_PROV_MOBILE' | 'PUSH_PROV_WEB';
    clientWalletProvider: string;
    clientWalletAccountID?: string;
    clientDeviceID?: string;
    clientAppID: string;
  };
}

export interface VtsPushRequest {
  /** Stable across retries of one push: Visa answers a repeated clientReferenceID with the same receipts. */
  clientReferenceId: string;
  tokenRequestorId: string;
  cards: { clientCardId: string; instrument: VtsPaymentInstrument; authenticationProof: string }[];
  receiptValidityMinutes?: number;
  callbackUrl?: string;
}

export interface VtsPushResult {
  clientReferenceID: string;
  pushReceipts: {
    clientCardID: string;
    pushReceipt?: string;
    receiptExpiresAt?: string;
    errorResponse?: VisaErrorResponse;
  }[];
  availablePushMethods: { type: 'ANDROID' | 'IOS' | 'WEB'; uri: string }[];
}

export interface VtsTokenRequestor {
  tokenRequestorID: string;
  name: string;
  consumerFacingEntityName: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT';
  imageAssetId: string;
  supportedPushMethods: ('ANDROID' | 'IOS' | 'WEB')[];
  availablePushMethods: { type: 'ANDROID' | 'IOS' | 'WEB'; uri: string }[];
  supportsMultiplePushedCards: boolean;
  supportedAccountHolderData: string[];
}

export const vtsOperations = {
  tokenRequestors: '/vts/v1/tokenRequestors',
  pushProvisionedCards: '/vts/v1/pushProvisionedCards',
} as const;

export class VtsClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: NetworkCredentials,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async getTokenRequestors(): Promise<VtsTokenRequestor[]> {
    const body = (await this.call('tokenRequestors', 'GET')) as { tokenRequestors?: VtsTokenRequestor[] };
    return body.tokenRequestors ?? [];
  }

  async pushProvisionedCards(request: VtsPushRequest): Promise<VtsPushResult> {
    if (request.cards.length < 1 || request.cards.length > 5) {
      throw new RangeError(`VTS pushes 1 to 5 cards at once, not ${request.cards.length}`);
    }
    const profile = this.credentials.encryptionProfileFor('vts', request.tokenRequestorId);
    const cards = await Promise.all(
      request.cards.map(async (card) => ({
        clientCardID: card.clientCardId,
        encPaymentInstrument: await vtsPayloadProfiles[profile](card.instrument, this.credentials),
        issuerAuthenticationProof: card.authenticationProof,
      })),
    );
    return (await this.call('pushProvisionedCards', 'POST', {
      clientReferenceID: request.clientReferenceId,
      tokenRequestorID: request.tokenRequestorId,
      panSource: 'ISSUER_PUSH_PROVISION',
      receiptValidityMinutes: request.receiptValidityMinutes ?? 15,
      ...(request.callbackUrl && { callbackURL: request.callbackUrl }),
      cards,
    })) as VtsPushResult;
  }

  private async call(
    operation: keyof typeof vtsOperations,
    method: 'GET' | 'POST',
    payload?: object,
  ): Promise<unknown> {
    const { vts } = this.credentials;
    const resourcePath = vtsOperations[operation].slice(1);
    const queryString = `apikey=${encodeURIComponent(vts.apiKey)}`;
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const response = await callNetwork({
      network: 'VTS',
      operation,
      method,
      url: `${vts.baseUrl}/${resourcePath}?${queryString}`,
      headers: {
        'x-pay-token': xPayToken(vts.sharedSecrets.at(-1)!, { resourcePath, queryString, body }),
        'x-request-id': randomUUID(),
        accept: 'application/json',
        ...(payload !== undefined && { 'content-type': 'application/json' }),
      },
      ...(payload !== undefined && { body }),
      timeoutMs: this.timeoutMs,
    });
    return readBody(operation, response);
  }
}

function readBody(operation: string, response: NetworkResponse): unknown {
  const where = { network: 'VTS' as const, operation, status: response.status };
  if (response.status >= 400) {
    const error = (response.body as { errorResponse?: VisaErrorResponse } | undefined)?.errorResponse;
    const location = error?.details?.[0]?.location;
    const reason = error
      ? `${error.reason}: ${error.message}${location ? ` (at ${location})` : ''}`
      : `HTTP ${response.status}`;
    const type =
      response.status === 401 || response.status === 403
        ? ErrorType.NetworkAuthenticationFailed
        : error?.reason === 'invalidEncryption'
          ? ErrorType.NetworkCryptographyError
          : ErrorType.NetworkRejectedRequest;
    throw networkFailure(type, `VTS refused ${operation}: ${reason}`, {
      ...where,
      ...(error?.reason && { reasonCode: error.reason }),
    });
  }
  if (response.body === undefined) {
    throw networkFailure(ErrorType.NetworkUnavailable, `VTS answered ${operation} with an empty body`, where);
  }
  return response.body;
}
