/**
 * The token requestors' calls: checkEligibility (the card behind a receipt as MDES shows it, before
 * tokenising) and tokenize, which asks the issuer and creates the token, with a push account receipt or
 * with the card itself (`fundingAccountInfo.encryptedPayload`, field-level encrypted for MDES's key: a
 * wallet given the card by the issuer's app) and the issuer's TAV over it, which MDES checks first.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mdesFieldLevel } from '../../activities/crypto/encryption/profiles.js';
import {
  MdesCheckEligibilityRequest,
  MdesFundingAccountData,
  MdesTokenizeRequest,
  MdesTokenizeWithAccountRequest,
  mdesInputErrors,
  type MdesCheckEligibilityResponse,
  type MdesTokenizeResponse,
} from '../../activities/networks/mdes/schemas.js';
import { verifyTav } from '../../activities/networks/mdes/tav.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import type { SandboxKeys } from '../keys.js';
import { tokeniseWithAccount } from '../network/account-tokenization.js';
import {
  checkReceipt,
  tokeniseWithReceipt,
  type TokenisationDeps,
  type TokenisationResult,
} from '../network/tokenization.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors, inputError, refusalCodes } from './errors.js';
import { mdesPaths } from './paths.js';

/**
 * tokenize with the card itself, as a wallet sends it: with the issuer's Tokenization Authentication Value
 * (TAV v2, Apple's activationData, the OPC's tokenizationAuthenticationValue), which MDES verifies with the
 * issuer's TAV public key over the card it was given.
 */
export const MdesWalletTokenizeRequest = MdesTokenizeWithAccountRequest.extend({
  tokenizationAuthenticationValue: z.string().min(1).max(4_096),
  /** The wallet's own risk recommendation: REQUIRE_ADDITIONAL_AUTHENTICATION makes the token wait for activation. */
  decisioningData: z
    .object({ recommendation: z.enum(['APPROVED', 'REQUIRE_ADDITIONAL_AUTHENTICATION']).optional() })
    .optional(),
});
export type MdesWalletTokenizeRequest = z.input<typeof MdesWalletTokenizeRequest>;

export function registerTokenizeRoutes(
  app: FastifyInstance,
  { authenticateTokenRequestor }: MdesAuthentication,
  tokenisation: TokenisationDeps,
  keys: SandboxKeys,
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
    const body = request.body as { fundingAccountInfo?: { encryptedPayload?: unknown } } | undefined;
    if (body?.fundingAccountInfo?.encryptedPayload !== undefined) return tokenizeWithAccount(request.body);
    const parsed = MdesTokenizeRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.requestId,
      tokenRequestorId: parsed.data.tokenRequestorId,
      receipt: parsed.data.fundingAccountInfo.pushAccountReceipt,
    });
    return tokenizeAnswer(result);
  });

  /** The card decrypted with MDES's key, the issuer's TAV over it checked, then tokenised as the token requestor names it. */
  async function tokenizeWithAccount(body: unknown): Promise<object> {
    const parsed = MdesWalletTokenizeRequest.safeParse(body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    let plaintext: unknown;
    try {
      plaintext = await mdesFieldLevel.decrypt(parsed.data.fundingAccountInfo.encryptedPayload, keys.mdes.encryption);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return inputError(`${error.code}: ${error.message}`, 'CRYPTOGRAPHY_ERROR');
    }
    const funding = MdesFundingAccountData.safeParse(plaintext);
    if (!funding.success) {
      return inputError('fundingAccountInfo.encryptedPayload (decrypted) is not {cardAccountData, source}');
    }
    const card = funding.data.cardAccountData;
    const tav = verifyTav(parsed.data.tokenizationAuthenticationValue, card, [keys.mdes.issuerTavPublicKey]);
    if (!tav.valid) return inputError(`tokenizationAuthenticationValue: ${tav.reason}`);
    const result = await tokeniseWithAccount(tokenisation, {
      requestId: parsed.data.requestId,
      tokenRequestorId: parsed.data.tokenRequestorId,
      account: {
        accountNumber: card.accountNumber,
        expiryMonth: Number(card.expiryMonth),
        expiryYear: 2000 + Number(card.expiryYear),
      },
      ...(parsed.data.decisioningData?.recommendation === 'REQUIRE_ADDITIONAL_AUTHENTICATION' && { stepUp: true }),
    });
    return tokenizeAnswer(result);
  }
}

/** A tokenisation's answer in MDES's words: the refusal as an INPUT error, or the decision and the token. */
function tokenizeAnswer(result: TokenisationResult): object {
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
}
