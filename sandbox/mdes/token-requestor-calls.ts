/**
 * A token requestor's calls to MDES: signed with OAuth 1.0a under its own consumer key, checkEligibility
 * and tokenize with a receipt (or, a wallet's, with the card field-level encrypted for MDES and the issuer's
 * TAV), their answers read with MDES's schemas, and MDES's JWS over the receipts checked on the redirect (its
 * keys fetched from the sandbox, kept a minute).
 */
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import { mdesFieldLevel } from '../../activities/crypto/encryption/profiles.js';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import { z } from 'zod';
import {
  MdesCheckEligibilityResponse,
  MdesFieldLevelPayload,
  MdesErrorResponse,
  MdesReceiptSignatureData,
  MdesTokenizeResponse,
} from '../../activities/networks/mdes/schemas.js';
import { tokenStatusOf, type TokenRequestorNetworkCalls } from '../token-requestors/network-calls.js';
import { mdesPaths } from './paths.js';
import type { MdesWalletTokenizeRequest } from './tokenize-routes.js';

/** The OPC's envelope, as much of it as a wallet reads (the card in it stays encrypted). */
const MdesOpcEnvelope = z.object({
  cardInfo: MdesFieldLevelPayload,
  tokenizationAuthenticationValue: z.string().min(1).max(4_096),
});

function decodedJson(base64: string): unknown {
  try {
    return JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The wallet's recommendation, as MDES's tokenize carries it (decisioningData). */
const stepUpOf = (stepUp: boolean | undefined) =>
  stepUp ? { decisioningData: { recommendation: 'REQUIRE_ADDITIONAL_AUTHENTICATION' as const } } : {};

/** MDES's first business error, as "REASON: description". */
function refusalOf(answer: unknown): { reasonCode: string; description: string } | undefined {
  const refused = MdesErrorResponse.safeParse(answer);
  return refused.success ? refused.data.errors[0] : undefined;
}

/** One token requestor sandbox's calls: MDES's keys are kept per sandbox. */
export function mdesTokenRequestorCalls(): TokenRequestorNetworkCalls {
  let mdesKeys: { jwks: JSONWebKeySet; fetchedAt: number } | undefined;
  return {
    sign: (credentials, url, body) => ({
      url,
      headers: { authorization: mdesAuthorizationHeader(url, 'POST', body, credentials.mdes) },
    }),

    receiptInquiry: ({ tokenRequestorId, receipt, requestId }) => ({
      path: mdesPaths.checkEligibility,
      body: { requestId, tokenRequestorId, fundingAccountInfo: { pushAccountReceipt: receipt } },
    }),

    readInquiry(status, answer) {
      const refusal = refusalOf(answer)?.description;
      const card = MdesCheckEligibilityResponse.safeParse(answer);
      if (status < 200 || status >= 300 || refusal || !card.success) return { refusal: refusal ?? `HTTP ${status}` };
      return { last4: card.data.accountPanSuffix, expiry: card.data.accountExpiry };
    },

    tokenize: ({ tokenRequestorId, receipt, requestId }) => ({
      path: mdesPaths.tokenize,
      body: { requestId, tokenRequestorId, tokenType: 'CLOUD', fundingAccountInfo: { pushAccountReceipt: receipt } },
    }),

    async tokenizeWithAccount({ tokenRequestorId, requestId, account, activationData, stepUp }, { networkKeys }) {
      const twoDigits = (value: number): string => String(value % 100).padStart(2, '0');
      const cardAccountData = {
        accountNumber: account.accountNumber,
        expiryMonth: twoDigits(account.expiryMonth),
        expiryYear: twoDigits(account.expiryYear),
      };
      const encryptedPayload = await mdesFieldLevel.encrypt(
        { cardAccountData, source: 'CARD_ADDED_VIA_APPLICATION' },
        { certificatePem: networkKeys.mdes.encryption.certificatePem },
      );
      const body: MdesWalletTokenizeRequest = {
        requestId,
        tokenRequestorId,
        tokenType: 'CLOUD',
        fundingAccountInfo: { encryptedPayload },
        tokenizationAuthenticationValue: activationData,
        ...stepUpOf(stepUp),
      };
      return { path: mdesPaths.tokenize, body };
    },

    // Mastercard's OPC is base64 of JSON {cardInfo, tokenizationAuthenticationValue}: cardInfo goes on as the
    // tokenize call's encryptedPayload (encrypted for MDES by the issuer), the TAV beside it.
    tokenizeWithOpc({ tokenRequestorId, requestId, opc, stepUp }) {
      const envelope = MdesOpcEnvelope.safeParse(decodedJson(opc));
      if (!envelope.success)
        throw new Error("The opaque payment card is not Mastercard's {cardInfo, tokenizationAuthenticationValue}");
      const body: MdesWalletTokenizeRequest = {
        requestId,
        tokenRequestorId,
        tokenType: 'CLOUD',
        fundingAccountInfo: { encryptedPayload: envelope.data.cardInfo },
        tokenizationAuthenticationValue: envelope.data.tokenizationAuthenticationValue,
        ...stepUpOf(stepUp),
      };
      return { path: mdesPaths.tokenize, body };
    },

    readTokenisation(receipt, status, answer) {
      const error = refusalOf(answer);
      const tokenised = MdesTokenizeResponse.safeParse(answer);
      if (status !== 200 || error || !tokenised.success) {
        return {
          pushAccountReceipt: receipt,
          status: 'REFUSED',
          reason: error ? `${error.reasonCode}: ${error.description}` : `HTTP ${status}`,
        };
      }
      const body = tokenised.data;
      return {
        pushAccountReceipt: receipt,
        status: tokenStatusOf[body.decision],
        maskedCard: `Mastercard •••• ${body.tokenInfo.accountPanSuffix}`,
        ...(body.tokenUniqueReference !== undefined && { tokenUniqueReference: body.tokenUniqueReference }),
        ...(body.decisionReason !== undefined && { reason: body.decisionReason }),
      };
    },

    async checkRedirect(redirect, receipts, baseUrl) {
      if (!redirect.signature) return 'The redirect carries no signature from Mastercard';
      try {
        if (!mdesKeys || Date.now() - mdesKeys.fetchedAt > 60_000) {
          const response = await fetch(`${baseUrl}/sandbox/jwks.json`, { signal: AbortSignal.timeout(5_000) });
          mdesKeys = { jwks: (await response.json()) as JSONWebKeySet, fetchedAt: Date.now() };
        }
        const { payload } = await compactVerify(redirect.signature, createLocalJWKSet(mdesKeys.jwks), {
          algorithms: ['RS256'],
        });
        const signed = MdesReceiptSignatureData.partial().parse(JSON.parse(new TextDecoder().decode(payload)));
        if (!receipts.every((receipt) => signed.pushAccountReceipts?.includes(receipt))) {
          return 'The receipts are not the ones Mastercard signed';
        }
        if ((signed.callbackURL ?? undefined) !== redirect.callbackURL)
          return 'The callback URL is not the one Mastercard signed';
        return undefined;
      } catch {
        return "Mastercard's signature over the receipts does not verify";
      }
    },
  };
}
