/**
 * The token requestors' calls with a push receipt: the inquiry (the card as Visa shows it, before
 * tokenising) and provisionedTokens (which asks the issuer and creates the token).
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  VtsProvisionedTokensRequest,
  VtsPushReceiptInquiryRequest,
  type VtsProvisionedTokensResponse,
  type VtsPushReceiptInquiryResponse,
} from '../../activities/networks/vts/schemas.js';
import { checkReceipt, tokeniseWithReceipt, type TokenisationDeps } from '../network/tokenization.js';
import type { VtsAuthentication } from './authentication.js';
import { parameterError, refusalReasons, visaError } from './errors.js';
import { vtsPaths } from './paths.js';

export function registerTokenizeRoutes(
  app: FastifyInstance,
  { authenticateTokenRequestor }: VtsAuthentication,
  tokenisation: TokenisationDeps,
): void {
  app.post(vtsPaths.pushReceiptInquiry, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = VtsPushReceiptInquiryRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const checked = checkReceipt(tokenisation.state, {
      tokenRequestorId: parsed.data.tokenRequestorID,
      receipt: parsed.data.pushReceipt,
    });
    if (checked.outcome === 'refused') {
      return reply.code(400).send(visaError(400, refusalReasons[checked.reason], checked.description, 'pushReceipt'));
    }
    return {
      pushReceipt: checked.account.receipt,
      receiptExpiresAt: checked.account.expiresAt,
      paymentInstrument: {
        last4: checked.account.panSuffix,
        expirationDate: { month: checked.account.expiryMonth, year: `20${checked.account.expiryYear}` },
      },
    } satisfies z.input<typeof VtsPushReceiptInquiryResponse>;
  });

  app.post(vtsPaths.provisionedTokens, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = VtsProvisionedTokensRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.clientReferenceID,
      tokenRequestorId: parsed.data.tokenRequestorID,
      receipt: parsed.data.pushReceipt,
    });
    if (result.outcome === 'refused') {
      const reason = refusalReasons[result.reason];
      return reply.code(400).send(visaError(400, reason, result.description, 'pushReceipt'));
    }
    return {
      decision: result.decision,
      ...(result.standIn && { decisionReason: result.standIn }),
      ...(result.token && {
        vProvisionedTokenID: result.token.tokenUniqueReference,
        paymentAccountReference: result.token.panUniqueReference,
        tokenInfo: { tokenStatus: result.token.status, last4: result.token.tokenPanSuffix },
      }),
      paymentInstrument: {
        last4: result.account.panSuffix,
        expirationDate: { month: result.account.expiryMonth, year: `20${result.account.expiryYear}` },
      },
    } satisfies z.input<typeof VtsProvisionedTokensResponse>;
  });
}
