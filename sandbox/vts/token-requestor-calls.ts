/**
 * A token requestor's calls to Visa: its own apikey and x-pay-token, the push receipt inquiry and
 * provisionedTokens (with a receipt, or, a wallet's, with the card under its own shared secret and the
 * issuer's activation data), their answers read with Visa's schemas. Visa signs no redirect: there is nothing
 * to check on it.
 */
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { xPayToken } from '../../activities/networks/vts/x-pay-token.js';
import {
  VisaErrorResponse,
  VtsProvisionedTokensResponse,
  VtsPushReceiptInquiryResponse,
  type VtsTokenisedInstrument,
} from '../../activities/networks/vts/schemas.js';
import { tokenStatusOf, type TokenRequestorNetworkCalls } from '../token-requestors/network-calls.js';
import { vtsPaths } from './paths.js';
import type { VtsOpcProvisionedTokensRequest, VtsWalletProvisionedTokensRequest } from './tokenize-routes.js';

const refusalOf = (answer: unknown): { reason: string; message: string } | undefined => {
  const refused = VisaErrorResponse.safeParse(answer);
  return refused.success ? refused.data.errorResponse : undefined;
};

/** The wallet's risk decision, as the sandbox's VTS takes it (riskInformation, the sandbox's field). */
const stepUpOf = (stepUp: boolean | undefined) =>
  stepUp ? { riskInformation: { walletProviderDecision: 'REQUIRE_ADDITIONAL_AUTHENTICATION' as const } } : {};

export function vtsTokenRequestorCalls(): TokenRequestorNetworkCalls {
  return {
    sign(credentials, url, body) {
      const signed = new URL(url);
      signed.searchParams.set('apikey', credentials.vts.apiKey);
      const token = xPayToken(credentials.vts.sharedSecret, {
        resourcePath: signed.pathname.slice(1),
        queryString: signed.search.slice(1),
        body,
      });
      return { url: signed.toString(), headers: { 'x-pay-token': token } };
    },

    receiptInquiry: ({ tokenRequestorId, receipt }) => ({
      path: vtsPaths.pushReceiptInquiry,
      body: { tokenRequestorID: tokenRequestorId, pushReceipt: receipt },
    }),

    readInquiry(status, answer) {
      const refusal = refusalOf(answer)?.message;
      const inquiry = VtsPushReceiptInquiryResponse.safeParse(answer);
      if (status < 200 || status >= 300 || refusal || !inquiry.success) return { refusal: refusal ?? `HTTP ${status}` };
      return { last4: inquiry.data.paymentInstrument.last4, expiry: inquiry.data.paymentInstrument.expirationDate };
    },

    tokenize: ({ tokenRequestorId, receipt, requestId }) => ({
      path: vtsPaths.provisionedTokens,
      body: { clientReferenceID: requestId, tokenRequestorID: tokenRequestorId, pushReceipt: receipt },
    }),

    async tokenizeWithAccount({ tokenRequestorId, requestId, account, activationData, stepUp }, { credentials }) {
      const instrument: VtsTokenisedInstrument = {
        accountNumber: account.accountNumber,
        expirationDate: { month: String(account.expiryMonth).padStart(2, '0'), year: String(account.expiryYear) },
      };
      const body: VtsWalletProvisionedTokensRequest = {
        clientReferenceID: requestId,
        tokenRequestorID: tokenRequestorId,
        encPaymentInstrument: await vtsSharedSecretJwe.encrypt(instrument, credentials.vts),
        activationData,
        ...stepUpOf(stepUp),
      };
      return { path: vtsPaths.provisionedTokens, body };
    },

    // Visa's OPC is the issuer's JWE (under the issuer's shared secret): passed on whole, with the wallet
    // account and device the wallet knows the request by, which Visa holds against those inside.
    tokenizeWithOpc({ tokenRequestorId, requestId, opc, device, stepUp }) {
      if (opc.split('.').length !== 5) throw new Error("The opaque payment card is not Visa's compact JWE");
      const body: VtsOpcProvisionedTokensRequest = {
        clientReferenceID: requestId,
        tokenRequestorID: tokenRequestorId,
        encIssuerPayload: opc,
        clientWalletAccountID: device.walletAccountId,
        clientDeviceID: device.deviceId,
        ...stepUpOf(stepUp),
      };
      return { path: vtsPaths.provisionedTokens, body };
    },

    readTokenisation(receipt, status, answer) {
      const error = refusalOf(answer);
      const tokenised = VtsProvisionedTokensResponse.safeParse(answer);
      if (status !== 200 || error || !tokenised.success) {
        return {
          pushAccountReceipt: receipt,
          status: 'REFUSED',
          reason: error ? `${error.reason}: ${error.message}` : `HTTP ${status}`,
        };
      }
      const body = tokenised.data;
      return {
        pushAccountReceipt: receipt,
        status: tokenStatusOf[body.decision],
        maskedCard: `Visa •••• ${body.paymentInstrument.last4}`,
        ...(body.vProvisionedTokenID !== undefined && { tokenUniqueReference: body.vProvisionedTokenID }),
        ...(body.decisionReason !== undefined && { reason: body.decisionReason }),
      };
    },

    checkRedirect: () => Promise.resolve(undefined),
  };
}
