/**
 * The token requestors' calls: the inquiry (the card behind a push receipt as Visa shows it, before
 * tokenising) and provisionedTokens, which asks the issuer and creates the token, with a push receipt or with
 * the card itself (`encPaymentInstrument`, a JWE under the token requestor's shared secret: a wallet given the
 * card by the issuer's app) and the issuer's `activationData`, which Visa checks before it asks the issuer.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import {
  VtsProvisionedTokensRequest,
  VtsProvisionedTokensWithAccountRequest,
  VtsPushReceiptInquiryRequest,
  VtsTokenisedInstrument,
  type VtsProvisionedTokensResponse,
  type VtsPushReceiptInquiryResponse,
} from '../../activities/networks/vts/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { tokeniseWithAccount } from '../network/account-tokenization.js';
import type { IssuerProofVerifier } from '../network/issuer-proofs.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import {
  checkReceipt,
  tokeniseWithReceipt,
  type TokenisationDeps,
  type TokenisationResult,
} from '../network/tokenization.js';
import type { VtsAuthentication } from './authentication.js';
import { parameterError, refusalReasons, visaError } from './errors.js';
import { vtsPaths } from './paths.js';

/**
 * provisionedTokens with the card itself, as a wallet sends it: with the issuer's activation data. Visa's
 * own activation value is confidential; its public construction here is the issuer's authentication proof
 * (a JWS, audience VTS, about the issuer's provisioning reference), which Visa verifies with the issuer's JWKS.
 * The field's name is the sandbox's (Apple's PKAddPaymentPassRequest calls it activationData).
 */
export const VtsWalletProvisionedTokensRequest = VtsProvisionedTokensWithAccountRequest.extend({
  activationData: z.string().min(1).max(4_096),
});
export type VtsWalletProvisionedTokensRequest = z.input<typeof VtsWalletProvisionedTokensRequest>;

export function registerTokenizeRoutes(
  app: FastifyInstance,
  { authenticateTokenRequestor }: VtsAuthentication,
  tokenisation: TokenisationDeps,
  options: Pick<NetworkSandboxOptions, 'tokenRequestorCredentials'>,
  proofs: IssuerProofVerifier,
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
    const body = request.body as { encPaymentInstrument?: unknown } | undefined;
    if (body?.encPaymentInstrument !== undefined) return provisionWithAccount(request.body, reply);
    const parsed = VtsProvisionedTokensRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const result = await tokeniseWithReceipt(tokenisation, {
      requestId: parsed.data.clientReferenceID,
      tokenRequestorId: parsed.data.tokenRequestorID,
      receipt: parsed.data.pushReceipt,
    });
    return provisionedAnswer(result, reply, 'pushReceipt');
  });

  /** The card decrypted with the (authenticated) token requestor's shared secret, its activation data checked, then tokenised. */
  async function provisionWithAccount(body: unknown, reply: FastifyReply): Promise<unknown> {
    const parsed = VtsWalletProvisionedTokensRequest.safeParse(body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const credentials = options.tokenRequestorCredentials.get(parsed.data.tokenRequestorID)!.vts;
    let plaintext: unknown;
    try {
      plaintext = await vtsSharedSecretJwe.decrypt(parsed.data.encPaymentInstrument, credentials);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      const message = `${error.code}: ${error.message}`;
      return reply.code(400).send(visaError(400, 'cryptographyError', message, 'encPaymentInstrument'));
    }
    const instrument = VtsTokenisedInstrument.safeParse(plaintext);
    if (!instrument.success) return reply.code(400).send(parameterError(instrument.error, 'encPaymentInstrument.'));
    try {
      await proofs.verifyActivation(parsed.data.activationData, parsed.data.clientReferenceID);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      const message = `${error.code}: ${error.message}`;
      return reply.code(400).send(visaError(400, 'invalidActivationData', message, 'activationData'));
    }
    const { accountNumber, expirationDate } = instrument.data;
    const result = await tokeniseWithAccount(tokenisation, {
      requestId: parsed.data.clientReferenceID,
      tokenRequestorId: parsed.data.tokenRequestorID,
      account: { accountNumber, expiryMonth: Number(expirationDate.month), expiryYear: Number(expirationDate.year) },
    });
    return provisionedAnswer(result, reply, 'encPaymentInstrument');
  }
}

/** A tokenisation's answer in Visa's words: the refusal (located), or the decision and the token. */
function provisionedAnswer(result: TokenisationResult, reply: FastifyReply, location: string): unknown {
  if (result.outcome === 'refused') {
    return reply.code(400).send(visaError(400, refusalReasons[result.reason], result.description, location));
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
}
