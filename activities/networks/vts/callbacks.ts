/**
 * Visa's calls to the issuer: a JWS around a JWE around the JSON message (the message names its event),
 * refusals in Visa's errorResponse envelope.
 */
import type { NetworkCallbacks } from '../callback-descriptor.js';
import { openVtsNotification } from '../issuer-callbacks.js';
import {
  VisaErrorResponse,
  visaError,
  VtsAuthorizeServiceRequest,
  VtsAuthorizeServiceResponse,
  VtsNotifyTokenUpdatedRequest,
  VtsNotifyTokenUpdatedResponse,
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
  authorizeService: {
    request: VtsAuthorizeServiceRequest.transform((message) => ({
      receipt: message.pushReceipt,
      tokenRequestorId: message.tokenRequestorID,
    })),
    response: VtsAuthorizeServiceResponse,
    answer: ({ decision, reason }) => ({ decision, ...(reason && { decisionReason: reason }) }),
  },
  notifyTokenUpdated: {
    request: VtsNotifyTokenUpdatedRequest.transform((message) =>
      message.pushReceipt
        ? [
            {
              receipt: message.pushReceipt,
              ...(message.vProvisionedTokenID && { tokenUniqueReference: message.vProvisionedTokenID }),
              status: message.tokenStatus,
              statusTimestamp: message.statusTimestamp,
            },
          ]
        : [],
    ),
    response: VtsNotifyTokenUpdatedResponse,
    answer: () => ({}),
  },
};
