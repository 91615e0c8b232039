/**
 * Visa's calls to the issuer: a JWS around a JWE around the JSON message (the message names its event),
 * refusals in Visa's errorResponse envelope. A card Visa names by itself (`encPaymentInstrument`) is a JWE
 * under the issuer's shared secret, as the issuer's own pushes encrypt it.
 */
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { vtsSharedSecretJwe } from '../../crypto/encryption/profiles.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { askedFacts, type NetworkCallbacks, type OpenedAccount } from '../callback-descriptor.js';
import { activationMethodsOnWire, tokenisationSourceOf } from '../message-fields.js';
import { openVtsNotification } from '../issuer-callbacks.js';
import {
  VisaErrorResponse,
  visaError,
  VtsAuthorizeServiceRequest,
  VtsAuthorizeServiceResponse,
  VtsNotifyTokenUpdatedRequest,
  VtsNotifyTokenUpdatedResponse,
  VtsTokenisedInstrument,
} from './schemas.js';

const reasons: Record<number, string> = {
  400: 'invalidParameter',
  401: 'unauthorized',
  404: 'notFound',
  413: 'payloadTooLarge',
  415: 'unsupportedMediaType',
  429: 'rateLimitExceeded',
  503: 'serviceUnavailable',
};

export const vtsCallbacks: NetworkCallbacks = {
  name: 'Visa',
  prefix: '/networks/vts',
  mediaType: 'application/jose',
  refusedCall: (status, description, details) => visaError(status, reasons[status] ?? 'error', details ?? description),
  refusedMessage: (error) => {
    const issue = error.issues[0]!;
    const location = issue.path.map(String).join('.') || 'payload';
    return visaError(400, 'invalidParameter', `${location}: ${issue.message}`, location);
  },
  errorSchema: VisaErrorResponse,
  open: (call, credentials, claim) => openVtsNotification(call.body, credentials, claim),
  openAccount: openPaymentInstrument,
  authorizeService: {
    request: VtsAuthorizeServiceRequest.transform((message) => ({
      receipt: message.pushReceipt,
      tokenRequestorId: message.tokenRequestorID,
      ...(message.vProvisionedTokenID && { tokenUniqueReference: message.vProvisionedTokenID }),
      ...(message.encPaymentInstrument && { encryptedAccount: message.encPaymentInstrument }),
      facts: askedFacts({
        source: tokenisationSourceOf(message.panSource),
        tokenType: message.tokenType,
        walletRecommendation: message.riskInformation?.recommendation,
        accountScore: message.riskInformation?.accountScore,
        deviceScore: message.riskInformation?.deviceScore,
        activeTokenCount: message.activeTokenCount,
      }),
    })),
    response: VtsAuthorizeServiceResponse,
    answer: ({ decision, reason, activationMethods }) => ({
      decision,
      ...(reason && { decisionReason: reason }),
      ...(activationMethods && { activationMethods: activationMethodsOnWire(activationMethods) }),
    }),
  },
  notifyTokenUpdated: {
    // Without its receipt, a token is found by its reference; with neither, it cannot be found.
    request: VtsNotifyTokenUpdatedRequest.transform((message) =>
      message.pushReceipt || message.vProvisionedTokenID
        ? [
            {
              ...(message.pushReceipt && { receipt: message.pushReceipt }),
              ...(message.vProvisionedTokenID && { tokenUniqueReference: message.vProvisionedTokenID }),
              status: message.tokenStatus,
              statusTimestamp: message.statusTimestamp,
              ...(message.statusReason && { reason: message.statusReason }),
            },
          ]
        : [],
    ),
    response: VtsNotifyTokenUpdatedResponse,
    answer: () => ({}),
  },
};

/** `encPaymentInstrument` opened with the issuer's shared secrets, the newest first (one may be rotating out). */
async function openPaymentInstrument(encrypted: unknown, credentials: NetworkCredentials): Promise<OpenedAccount> {
  if (typeof encrypted !== 'string') {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'encPaymentInstrument is not a compact JWE');
  }
  const plaintext = await openWithAnySecret(encrypted, credentials);
  const instrument = VtsTokenisedInstrument.safeParse(plaintext);
  if (!instrument.success) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      'encPaymentInstrument does not hold accountNumber and expirationDate {month, year}',
    );
  }
  return {
    accountNumber: instrument.data.accountNumber,
    expiryMonth: Number(instrument.data.expirationDate.month),
    expiryYear: Number(instrument.data.expirationDate.year),
  };
}

/** The JWE opened with the newest of the issuer's shared secrets that opens it; else the newest one's failure. */
async function openWithAnySecret(jwe: string, credentials: NetworkCredentials): Promise<unknown> {
  // The credentials list at least one secret, newest last.
  const [newest, ...older] = [...credentials.vts.sharedSecrets].reverse() as [string, ...string[]];
  const open = (sharedSecret: string): Promise<unknown> =>
    vtsSharedSecretJwe.decrypt(jwe, { apiKey: credentials.vts.apiKey, sharedSecret });
  try {
    return await open(newest);
  } catch (newestFailure) {
    for (const secret of older) {
      try {
        return await open(secret);
      } catch {
        // The newest secret's failure is the one that says why.
      }
    }
    throw newestFailure;
  }
}
