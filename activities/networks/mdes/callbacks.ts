/**
 * MDES's calls to the issuer (issuerServices 1.0): JSON signed with OAuth 1.0a over the URL and body,
 * refusals in the gateway's envelope before the message is read and as INPUT errors after. A card MDES
 * names by itself (`cardInfo`) is field-level encrypted for one of the issuer's own keys.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { explainFingerprintMismatch } from '../../crypto/encryption/fingerprints.js';
import { mdesFieldLevel } from '../../crypto/encryption/profiles.js';
import type { NetworkCredentials } from '../../keys/network-credentials.js';
import { askedFacts, notJson, type NetworkCallbacks, type OpenedAccount } from '../callback-descriptor.js';
import { activationMethodsOnWire, tokenisationSourceOf } from '../message-fields.js';
import { verifyMdesCallback } from '../issuer-callbacks.js';
import {
  MdesAuthorizeServiceRequest,
  MdesCardAccountData,
  MdesFieldLevelPayload,
  MdesAuthorizeServiceResponse,
  MdesErrorResponse,
  MdesGatewayErrorResponse,
  mdesGatewayError,
  mdesInputErrors,
  MdesNotifyTokenUpdatedRequest,
  MdesNotifyTokenUpdatedResponse,
} from './schemas.js';

const gatewayReasons: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'AUTHENTICATION_FAILED',
  404: 'NOT_FOUND',
  413: 'REQUEST_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

// An answer's responseId is the issuer's own id for it (as MDES's answers carry MDES's), never an echo.
export const mdesCallbacks: NetworkCallbacks = {
  name: 'MDES',
  prefix: '/networks/mdes/issuerServices/1/0',
  mediaType: 'application/json',
  refusedCall: (status, description, details) =>
    mdesGatewayError(status, gatewayReasons[status] ?? 'ERROR', description, details),
  refusedMessage: (error) => ({ responseId: randomUUID(), errors: mdesInputErrors(error) }),
  errorSchema: z.union([MdesGatewayErrorResponse, MdesErrorResponse]),
  async open(call, credentials, claim) {
    await verifyMdesCallback({ method: 'POST', ...call }, credentials, claim);
    try {
      return JSON.parse(call.body) as unknown;
    } catch {
      return notJson;
    }
  },
  openAccount: openCardInfo,
  authorizeService: {
    request: MdesAuthorizeServiceRequest.transform((message) => ({
      receipt: message.pushAccountReceipt,
      tokenRequestorId: message.tokenRequestorId,
      ...(message.tokenUniqueReference && { tokenUniqueReference: message.tokenUniqueReference }),
      ...(message.cardInfo && { encryptedAccount: message.cardInfo }),
      facts: askedFacts({
        source: tokenisationSourceOf(message.panSource),
        tokenType: message.tokenType,
        walletRecommendation: message.walletProviderDecisioningInfo?.recommendedDecision,
        accountScore: message.walletProviderDecisioningInfo?.accountScore,
        deviceScore: message.walletProviderDecisioningInfo?.deviceScore,
        activeTokenCount: message.activeTokenCount,
      }),
    })),
    response: MdesAuthorizeServiceResponse,
    answer: ({ decision, reason, activationMethods }) => ({
      responseId: randomUUID(),
      decision,
      ...(reason && { decisionReason: reason }),
      ...(activationMethods && { activationMethods: activationMethodsOnWire(activationMethods) }),
    }),
  },
  notifyTokenUpdated: {
    // Every token MDES reports names its reference: one without its receipt is found by it.
    request: MdesNotifyTokenUpdatedRequest.transform((message) =>
      message.tokens.map((token) => ({
        ...(token.pushAccountReceipt && { receipt: token.pushAccountReceipt }),
        tokenUniqueReference: token.tokenUniqueReference,
        status: token.status,
        statusTimestamp: token.statusTimestamp,
        // Why, when the network says: the wallet's event, or the notification's own reason.
        ...((token.eventReasonCode ?? message.reasonCode) && { reason: token.eventReasonCode ?? message.reasonCode }),
      })),
    ),
    response: MdesNotifyTokenUpdatedResponse,
    answer: () => ({ responseId: randomUUID() }),
  },
};

/** `cardInfo` opened with the issuer's key its `publicKeyFingerprint` names; what fails says why, never the card. */
async function openCardInfo(encrypted: unknown, credentials: NetworkCredentials): Promise<OpenedAccount> {
  const payload = MdesFieldLevelPayload.safeParse(encrypted);
  if (!payload.success) throw new CryptoFailure(CryptoFailureCode.Malformed, 'cardInfo is not a field-level payload');
  const { publicKeyFingerprint } = payload.data;
  const key = credentials.issuerDecryptionKey('mdes', publicKeyFingerprint);
  if (!key) {
    const newest = credentials.currentIssuerDecryptionKey('mdes');
    throw new CryptoFailure(
      CryptoFailureCode.UnknownKeyId,
      newest
        ? explainFingerprintMismatch(publicKeyFingerprint, newest).replace('The key id', 'publicKeyFingerprint')
        : 'The issuer holds no MDES decryption key (mdes.issuerDecryptionKeys in its credentials)',
    );
  }
  const card = MdesCardAccountData.safeParse(await mdesFieldLevel.decrypt(payload.data, key));
  if (!card.success) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      'cardInfo does not hold accountNumber, expiryMonth, expiryYear',
    );
  }
  return {
    accountNumber: card.data.accountNumber,
    expiryMonth: Number(card.data.expiryMonth),
    expiryYear: 2000 + Number(card.data.expiryYear),
  };
}
