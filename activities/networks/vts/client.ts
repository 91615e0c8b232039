/**
 * The issuer's VTS-style push provisioning client: the token requestors Visa lists, and the push of
 * `encPaymentInstrument`s (shared-secret or RSA JWE, per the deployment's profile), each request
 * authenticated with `apikey` and `x-pay-token`. Errors come in Visa's envelope and are thrown typed;
 * a card Visa refuses comes back as that card's error, beside the cards it accepted.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { vtsPayloadProfiles } from '../../crypto/encryption/profile-registry.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { ErrorType } from '../../../domain/errors.js';
import { callNetwork, networkAnswerReader, networkFailure, type NetworkResponse } from '../network-call.js';
import {
  VtsPushProvisionedCardsResponse,
  VtsTokenRequestorsResponse,
  VisaErrorResponse as VisaErrorEnvelope,
  type VtsPaymentInstrument as VtsPaymentInstrumentSchema,
  type VtsPushProvisionedCardsRequest,
  type VtsTokenRequestor,
} from './schemas.js';
import { xPayToken } from './x-pay-token.js';

/** VTS's answers read with their schemas. */
const answerOf = networkAnswerReader('VTS');

/** Visa's error, as it comes inside its envelope (and beside a card it refuses). */
export type VisaErrorResponse = VisaErrorEnvelope['errorResponse'];

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

export type VtsPushResult = z.infer<typeof VtsPushProvisionedCardsResponse>;
export type { VtsTokenRequestor } from './schemas.js';

export const vtsOperations = {
  tokenRequestors: '/vts/v1/tokenRequestors',
  pushProvisionedCards: '/vts/v1/pushProvisionedCards',
} as const;

/** One token's path under a Visa token route (its ids percent-encoded). */
const tokenPath =
  (route: string) =>
  (tokenRequestorId: string, tokenReferenceId: string): string =>
    route
      .replace(':tokenRequestorId', encodeURIComponent(tokenRequestorId))
      .replace(':tokenReferenceId', encodeURIComponent(tokenReferenceId));

/** Where Visa's lifecycle call for one token goes: the route, and one token's path. */
export const vtsLifecycleRoute = '/vtis/v1/tokenRequestors/:tokenRequestorId/tokens/:tokenReferenceId/lifecycle';
export const vtsLifecyclePath = tokenPath(vtsLifecycleRoute);

/** Where Visa's token inquiry for one token goes (token-status.ts): the route, and one token's path. */
export const vtsTokenDetailsRoute = '/vtis/v1/tokenRequestors/:tokenRequestorId/tokens/:tokenReferenceId/details';
export const vtsTokenDetailsPath = tokenPath(vtsTokenDetailsRoute);

/** Where Visa's PAN lifecycle call goes (card-replacement.ts). */
export const vtsPanLifecycleRoute = '/vtis/v1/pan/lifecycle';

export class VtsClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly credentials: NetworkCredentials,
    options: { timeoutMs?: number } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async getTokenRequestors(): Promise<VtsTokenRequestor[]> {
    const body = await this.call('tokenRequestors', 'GET');
    return answerOf(VtsTokenRequestorsResponse, body, 'tokenRequestors').tokenRequestors;
  }

  async pushProvisionedCards(request: VtsPushRequest): Promise<VtsPushResult> {
    if (request.cards.length < 1 || request.cards.length > 5) {
      throw new RangeError(`VTS pushes 1 to 5 cards at once, not ${request.cards.length}`);
    }
    const profile = this.credentials.encryptionProfileFor('vts', request.tokenRequestorId);
    const cards = await Promise.all(
      request.cards.map(async (card) => ({
        clientCardID: card.clientCardId,
        encPaymentInstrument: await vtsPayloadProfiles[profile](
          card.instrument satisfies z.input<typeof VtsPaymentInstrumentSchema>,
          this.credentials,
        ),
        issuerAuthenticationProof: card.authenticationProof,
      })),
    );
    const push: z.input<typeof VtsPushProvisionedCardsRequest> = {
      clientReferenceID: request.clientReferenceId,
      tokenRequestorID: request.tokenRequestorId,
      panSource: 'ISSUER_PUSH_PROVISION',
      receiptValidityMinutes: request.receiptValidityMinutes ?? 15,
      ...(request.callbackUrl && { callbackURL: request.callbackUrl }),
      cards,
    };
    const body = await this.call('pushProvisionedCards', 'POST', push);
    return answerOf(VtsPushProvisionedCardsResponse, body, 'pushProvisionedCards');
  }

  /**
   * Visa's lifecycle call for one token (token-lifecycle.ts builds and reads it), under the operation's own
   * request id: the same for every retry of it, so that Visa applies it once.
   */
  async tokenLifecycle(
    tokenRequestorId: string,
    tokenReferenceId: string,
    request: object,
    requestId: string,
  ): Promise<unknown> {
    const path = vtsLifecyclePath(tokenRequestorId, tokenReferenceId);
    return this.call('tokenLifecycle', 'POST', request, path, requestId);
  }

  /** Visa's PAN lifecycle call (card-replacement.ts builds and reads it), under the operation's own request id. */
  async panLifecycle(request: object, requestId: string): Promise<unknown> {
    return this.call('panLifecycle', 'POST', request, vtsPanLifecycleRoute, requestId);
  }

  /** Visa's token inquiry for one token (token-status.ts reads it). */
  async tokenDetails(tokenRequestorId: string, tokenReferenceId: string): Promise<unknown> {
    return this.call('tokenDetails', 'GET', undefined, vtsTokenDetailsPath(tokenRequestorId, tokenReferenceId));
  }

  private async call(
    operation: keyof typeof vtsOperations | 'tokenLifecycle' | 'tokenDetails' | 'panLifecycle',
    method: 'GET' | 'POST',
    payload?: z.input<typeof VtsPushProvisionedCardsRequest> | object,
    path: string = vtsOperations[operation as keyof typeof vtsOperations],
    requestId: string = randomUUID(),
  ): Promise<unknown> {
    const { vts } = this.credentials;
    const resourcePath = path.slice(1);
    const queryString = `apikey=${encodeURIComponent(vts.apiKey)}`;
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const response = await callNetwork({
      network: 'VTS',
      operation,
      method,
      url: `${vts.baseUrl}/${resourcePath}?${queryString}`,
      headers: {
        'x-pay-token': xPayToken(vts.sharedSecrets.at(-1)!, { resourcePath, queryString, body }),
        'x-request-id': requestId,
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
    const error = VisaErrorEnvelope.safeParse(response.body).data?.errorResponse;
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
