/**
 * Visa's notifications to the issuer during tokenisation: the JSON encrypted for the issuer (shared-secret
 * JWE), then signed by Visa (a JWS, PS256, cty JWE), in Visa's shapes (PROVISIONING_DECISION,
 * TOKEN_STATUS_UPDATED).
 */
import { randomUUID } from 'node:crypto';
import { CompactSign } from 'jose';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import { IssuerCallbacks, type CallbackTransport } from '../network/issuer-callbacks.js';
import type { NetworkState, Token } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import type { TokenisationDeps } from '../network/tokenization.js';
import { vtsSandboxNetwork } from './vts-sandbox-network.js';

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
      const response = await fetch(transport.url(name), {
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
  return {
    network: vtsSandboxNetwork,
    state,
    knobs,
    callbacks: new IssuerCallbacks(ledger, knobs, transport),
    authorizationRequest: (account, { correlationId, requestId }) => ({
      correlationId,
      eventType: 'PROVISIONING_DECISION',
      clientReferenceID: requestId,
      tokenRequestorID: account.tokenRequestorId,
      pushReceipt: account.receipt,
      clientCardID: account.pushAccountId,
      tokenType: 'CLOUD',
      paymentInstrument: { last4: account.panSuffix },
      riskInformation: { walletProviderRiskAssessment: 'LOW', deviceScore: '5', accountScore: '5' },
    }),
    tokenNotification: (token: Token) => ({
      eventType: 'TOKEN_STATUS_UPDATED',
      vProvisionedTokenID: token.tokenUniqueReference,
      paymentAccountReference: token.panUniqueReference,
      tokenRequestorID: token.tokenRequestorId,
      pushReceipt: token.receipt,
      tokenStatus: token.status,
      statusTimestamp: token.statusTimestamp,
    }),
  };
}
