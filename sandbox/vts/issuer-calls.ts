/**
 * Visa's notifications to the issuer during tokenisation: the JSON encrypted for the issuer (shared-secret
 * JWE), then signed by Visa (a JWS, PS256, cty JWE), in Visa's shapes (PROVISIONING_DECISION,
 * TOKEN_STATUS_UPDATED). A card named by itself travels inside as `encPaymentInstrument`, a JWE of its own
 * under the issuer's shared secret, as the issuer's pushes encrypt it.
 */
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import type { VtsTokenisedInstrument } from '../../activities/networks/vts/schemas.js';
import { IssuerCallbacks, type CallbackTransport } from '../network/issuer-callbacks.js';
import type { NetworkState, Token } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import type { TokenisationDeps } from '../network/tokenization.js';
import type { WalletEvent } from '../network/token-events.js';
import { walletView, type WalletAssessment } from '../network/wallet-assessment.js';
import { vtsSandboxNetwork } from './vts-sandbox-network.js';
import { tracedFetch } from '../../observability/http-client-spans.js';

export function vtsTokenisation(options: NetworkSandboxOptions, state: NetworkState): TokenisationDeps {
  const { keys, ledger, knobs } = options;
  const issuerParty = { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret };
  const transport: CallbackTransport = {
    url: (name) => `${options.issuerCallbackBaseUrl()}/${name}`,
    async send(name, payload, signal) {
      const jwe = await vtsSharedSecretJwe.encrypt(payload, issuerParty);
      const jws = await new CompactSign(new TextEncoder().encode(jwe))
        .setProtectedHeader({
          alg: 'PS256',
          kid: keys.vts.signing.kid,
          cty: 'JWE',
          typ: 'JOSE',
          iat: Math.floor(Date.now() / 1000),
        })
        .sign(keys.vts.signing.privateKey);
      const response = await tracedFetch({ peer: 'issuer', operation: name }, transport.url(name), {
        method: 'POST',
        headers: { 'content-type': 'application/jose', 'x-request-id': randomUUID() },
        body: jws,
        signal,
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        // not JSON: kept as text for the ledger
      }
      return { status: response.status, body };
    },
  };
  const riskInformation = (assessment?: WalletAssessment) => {
    const view = walletView(assessment);
    return view && { riskInformation: view };
  };
  return {
    network: vtsSandboxNetwork,
    state,
    knobs,
    callbacks: new IssuerCallbacks(ledger, knobs, transport),
    async accountAuthorizationRequest({ account, tokenRequestorId, token, assessment }, { correlationId, requestId }) {
      const instrument: VtsTokenisedInstrument = {
        accountNumber: account.accountNumber,
        expirationDate: { month: String(account.expiryMonth).padStart(2, '0'), year: String(account.expiryYear) },
      };
      return {
        correlationId,
        eventType: 'PROVISIONING_DECISION',
        clientReferenceID: requestId,
        tokenRequestorID: tokenRequestorId,
        vProvisionedTokenID: token.tokenUniqueReference,
        encPaymentInstrument: await vtsSharedSecretJwe.encrypt(instrument, issuerParty),
        tokenType: assessment?.tokenType ?? 'CLOUD',
        paymentInstrument: { last4: account.accountNumber.slice(-4) },
        ...(assessment?.source && { panSource: assessment.source }),
        ...(assessment?.activeTokenCount !== undefined && { activeTokenCount: assessment.activeTokenCount }),
        ...riskInformation(assessment),
      };
    },
    authorizationRequest: (account, { correlationId, requestId }) => ({
      correlationId,
      eventType: 'PROVISIONING_DECISION',
      clientReferenceID: requestId,
      tokenRequestorID: account.tokenRequestorId,
      pushReceipt: account.receipt,
      clientCardID: account.pushAccountId,
      tokenType: 'CLOUD',
      paymentInstrument: { last4: account.panSuffix },
      ...riskInformation(),
    }),
    tokenNotification: (token: Token, event?: WalletEvent) => ({
      eventType: 'TOKEN_STATUS_UPDATED',
      vProvisionedTokenID: token.tokenUniqueReference,
      paymentAccountReference: token.panUniqueReference,
      tokenRequestorID: token.tokenRequestorId,
      ...(token.receipt !== undefined && { pushReceipt: token.receipt }),
      tokenStatus: token.status,
      ...(event && { statusReason: event }),
      statusTimestamp: token.statusTimestamp,
    }),
  };
}
