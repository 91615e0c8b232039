/**
 * The token requestors' calls with a push account receipt: checkEligibility (the card as MDES shows it,
 * before tokenising) and tokenize (which asks the issuer and creates the token).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  MdesCheckEligibilityRequest,
  MdesTokenizeRequest,
  mdesInputErrors,
  type MdesCheckEligibilityResponse,
  type MdesTokenizeResponse,
} from '../../activities/networks/mdes/schemas.js';
import { checkReceipt, tokeniseWithReceipt, type TokenisationDeps } from '../network/tokenization.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors, inputError, refusalCodes } from './errors.js';
import { mdesPaths } from './paths.js';

export function registerTokenizeRoutes(
  app: FastifyInstance,
  { authenticateTokenRequestor }: MdesAuthentication,
  tokenisation: TokenisationDeps,
): void {
  app.post(mdesPaths.checkEligibility, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = MdesCheckEligibilityRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const checked = checkReceipt(tokenisation.state, {
      tokenRequestorId: parsed.data.tokenRequestorId,
      receipt: parsed.data.fundingAccountInfo.pushAccountReceipt,
    });
    if (checked.outcome === 'refused') return inputError(checked.description, refusalCodes[checked.reason]);
    return {
      responseId: randomUUID(),
      eligibilityReceipt: { value: checked.account.receipt, validUntil: checked.account.expiresAt },
      applicableCardInfo: { isSecurityCodeApplicable: false },
      accountPanSuffix: checked.account.panSuffix,
      accountExpiry: { month: checked.account.expiryMonth, year: checked.account.expiryYear },
    } satisfies z.input<typeof MdesCheckEligibilityResponse>;
  });

  app.post(mdesPaths.tokenize, async (request, reply) => {
    if (!(await authenticateTokenRequestor(request, reply))) return reply;
    const parsed = MdesTokenizeRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.requestId,
      tokenRequestorId: parsed.data.tokenRequestorId,
      receipt: parsed.data.fundingAccountInfo.pushAccountReceipt,
    });
    if (result.outcome === 'refused') return inputError(result.description, refusalCodes[result.reason]);
    return {
      responseId: randomUUID(),
      decision: result.decision,
      ...(result.standIn && { decisionReason: result.standIn }),
      ...(result.token && {
        tokenUniqueReference: result.token.tokenUniqueReference,
        panUniqueReference: result.token.panUniqueReference,
        tokenDetail: { status: result.token.status, statusTimestamp: result.token.statusTimestamp },
      }),
      tokenInfo: {
        accountPanSuffix: result.account.panSuffix,
        accountExpiry: { month: result.account.expiryMonth, year: result.account.expiryYear },
        ...(result.token && { tokenPanSuffix: result.token.tokenPanSuffix }),
        productCategory: 'CREDIT',
      },
    } satisfies z.input<typeof MdesTokenizeResponse>;
  });
}
