/**
 * MDES's calls to the issuer (issuerServices 1.0): JSON signed with OAuth 1.0a over the URL and body,
 * refusals in the gateway's envelope before the message is read and as INPUT errors after.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { notJson, type NetworkCallbacks } from '../callback-descriptor.js';
import { verifyMdesCallback } from '../issuer-callbacks.js';
import {
  MdesAuthorizeServiceRequest,
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
  authorizeService: {
    request: MdesAuthorizeServiceRequest.transform((message) => ({
      receipt: message.pushAccountReceipt,
      tokenRequestorId: message.tokenRequestorId,
    })),
    response: MdesAuthorizeServiceResponse,
    answer: ({ decision, reason }) => ({
      responseId: randomUUID(),
      decision,
      ...(reason && { decisionReason: reason }),
    }),
  },
  notifyTokenUpdated: {
    request: MdesNotifyTokenUpdatedRequest.transform((message) =>
      message.tokens.flatMap((token) =>
        token.pushAccountReceipt
          ? [
              {
                receipt: token.pushAccountReceipt,
                tokenUniqueReference: token.tokenUniqueReference,
                status: token.status,
                statusTimestamp: token.statusTimestamp,
              },
            ]
          : [],
      ),
    ),
    response: MdesNotifyTokenUpdatedResponse,
    answer: () => ({ responseId: randomUUID() }),
  },
};
