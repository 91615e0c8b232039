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
/** The wallet's own risk decision (the sandbox's field): REQUIRE_ADDITIONAL_AUTHENTICATION makes the token wait for activation. */
const riskInformation = z
  .object({ walletProviderDecision: z.enum(['APPROVED', 'REQUIRE_ADDITIONAL_AUTHENTICATION']).optional() })
  .optional();

export const VtsWalletProvisionedTokensRequest = VtsProvisionedTokensWithAccountRequest.extend({
  activationData: z.string().min(1).max(4_096),
  riskInformation,
});
export type VtsWalletProvisionedTokensRequest = z.input<typeof VtsWalletProvisionedTokensRequest>;

/**
 * provisionedTokens with the issuer's own opaque payment card, passed on unopened by a wallet (Google Pay's
 * and Samsung Pay's OPC for Visa): the JWE is under the issuer's shared secret (its kid the issuer's API key),
 * and its payload names the wallet, its account and device, the intent and the card, with the activation
 * data inside. The field's name is the sandbox's.
 */
export const VtsOpcProvisionedTokensRequest = VtsProvisionedTokensRequest.omit({ pushReceipt: true }).extend({
  encIssuerPayload: z.string().min(1).max(8_192),
  clientWalletAccountID: z.string().min(1).max(128),
  clientDeviceID: z.string().min(1).max(128),
  riskInformation,
});
export type VtsOpcProvisionedTokensRequest = z.input<typeof VtsOpcProvisionedTokensRequest>;

/** What the issuer's OPC for Visa holds (activities/networks/vts/vts-network.ts writes it). */
const VtsIssuerOpc = VtsTokenisedInstrument.extend({
  clientWalletProvider: z.string(),
  clientWalletAccountID: z.string(),
  clientDeviceID: z.string(),
  intent: z.literal('PUSH_PROV_MOBILE'),
  activationData: z.string().min(1).max(4_096),
});

export function registerTokenizeRoutes(
  app: FastifyInstance,
  { authenticateTokenRequestor }: VtsAuthentication,
  tokenisation: TokenisationDeps,
  options: Pick<NetworkSandboxOptions, 'tokenRequestorCredentials' | 'keys'>,
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
    const body = request.body as { encPaymentInstrument?: unknown; encIssuerPayload?: unknown } | undefined;
    if (body?.encPaymentInstrument !== undefined) return provisionWithAccount(request.body, reply);
    if (body?.encIssuerPayload !== undefined) return provisionWithIssuerOpc(request.body, reply);
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
    const opened = await decrypted(parsed.data.encPaymentInstrument, credentials, 'encPaymentInstrument');
    if ('refusal' in opened) return reply.code(400).send(opened.refusal);
    const instrument = VtsTokenisedInstrument.safeParse(opened.plaintext);
    if (!instrument.success) return reply.code(400).send(parameterError(instrument.error, 'encPaymentInstrument.'));
    const activation = { value: parsed.data.activationData, at: 'activationData' };
    return activatedTokenisation(reply, parsed.data, instrument.data, activation, 'encPaymentInstrument');
  }

  /**
   * The issuer's OPC opened with the issuer's shared secret; it must name this wallet (the authenticated token
   * requestor), its account and device as the wallet sends them; then its activation data checked, and tokenised.
   */
  async function provisionWithIssuerOpc(body: unknown, reply: FastifyReply): Promise<unknown> {
    const parsed = VtsOpcProvisionedTokensRequest.safeParse(body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const { keys } = options;
    const issuer = { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret };
    const opened = await decrypted(parsed.data.encIssuerPayload, issuer, 'encIssuerPayload');
    if ('refusal' in opened) return reply.code(400).send(opened.refusal);
    const opc = VtsIssuerOpc.safeParse(opened.plaintext);
    if (!opc.success) return reply.code(400).send(parameterError(opc.error, 'encIssuerPayload.'));
    const mismatch = (
      [
        ['clientWalletProvider', opc.data.clientWalletProvider, parsed.data.tokenRequestorID],
        ['clientWalletAccountID', opc.data.clientWalletAccountID, parsed.data.clientWalletAccountID],
        ['clientDeviceID', opc.data.clientDeviceID, parsed.data.clientDeviceID],
      ] as const
    ).find(([, inPayload, sent]) => inPayload !== sent);
    if (mismatch) {
      const [field] = mismatch;
      const message = `The issuer's payload was made for another ${field} than this request's`;
      return reply.code(400).send(visaError(400, 'invalidParameter', message, `encIssuerPayload.${field}`));
    }
    const activation = { value: opc.data.activationData, at: 'encIssuerPayload.activationData' };
    return activatedTokenisation(reply, parsed.data, opc.data, activation, 'encIssuerPayload');
  }

  async function decrypted(
    jwe: string,
    party: { apiKey: string; sharedSecret: string },
    location: string,
  ): Promise<{ plaintext: unknown } | { refusal: object }> {
    try {
      return { plaintext: await vtsSharedSecretJwe.decrypt(jwe, party) };
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return { refusal: visaError(400, 'cryptographyError', `${error.code}: ${error.message}`, location) };
    }
  }

  /** The issuer's activation data checked (held to this tokenisation), then the card tokenised. */
  async function activatedTokenisation(
    reply: FastifyReply,
    request: {
      clientReferenceID: string;
      tokenRequestorID: string;
      riskInformation?: { walletProviderDecision?: string | undefined } | undefined;
    },
    instrument: VtsTokenisedInstrument,
    activation: { value: string; at: string },
    location: string,
  ): Promise<unknown> {
    try {
      await proofs.verifyActivation(activation.value, request.clientReferenceID);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      const message = `${error.code}: ${error.message}`;
      return reply.code(400).send(visaError(400, 'invalidActivationData', message, activation.at));
    }
    const { accountNumber, expirationDate } = instrument;
    const result = await tokeniseWithAccount(tokenisation, {
      requestId: request.clientReferenceID,
      tokenRequestorId: request.tokenRequestorID,
      account: { accountNumber, expiryMonth: Number(expirationDate.month), expiryYear: Number(expirationDate.year) },
      ...(request.riskInformation?.walletProviderDecision === 'REQUIRE_ADDITIONAL_AUTHENTICATION' && { stepUp: true }),
    });
    return provisionedAnswer(result, reply, location);
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
