/**
 * MDES's calls to the issuer during tokenisation: signed like the issuer signs its own (OAuth 1.0a, MDES's
 * key named by kid), posted under `issuerServices/1/0/`, in MDES's shapes (authorizeService,
 * notifyTokenUpdated). A card named by itself travels as `cardInfo`, field-level encrypted for the issuer's
 * own key (its certificate is MDES's half).
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { mdesFieldLevel } from '../../activities/crypto/encryption/profiles.js';
import { mdesAuthorizationHeader } from '../../activities/networks/mdes/oauth1.js';
import type { MdesCardAccountData } from '../../activities/networks/mdes/schemas.js';
import { IssuerCallbacks, type CallbackTransport } from '../network/issuer-callbacks.js';
import type { NetworkState, Token } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import type { TokenisationDeps } from '../network/tokenization.js';
import { walletEvents, type WalletEvent } from '../network/token-events.js';
import { walletView, type WalletAssessment } from '../network/wallet-assessment.js';
import { mdesSandboxNetwork } from './mdes-sandbox-network.js';
import { tracedFetch } from '../../observability/http-client-spans.js';

export function mdesTokenisation(options: NetworkSandboxOptions, state: NetworkState): TokenisationDeps {
  const { keys, ledger, knobs } = options;
  const signingKeyPem = keys.mdes.signing.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const transport: CallbackTransport = {
    url: (name) => `${options.issuerCallbackBaseUrl()}/issuerServices/1/0/${name}`,
    async send(name, payload, signal) {
      const url = transport.url(name);
      const body = JSON.stringify(payload);
      const authorization = mdesAuthorizationHeader(url, 'POST', body, {
        consumerKey: keys.mdes.signing.kid,
        signingKeyPem,
      });
      const response = await tracedFetch({ peer: 'issuer', operation: name }, url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body,
        signal,
      });
      const text = await response.text();
      return { status: response.status, body: parseOrText(text) };
    },
  };
  const decisioningInfo = (assessment?: WalletAssessment) => {
    const view = walletView(assessment);
    return view && { walletProviderDecisioningInfo: { ...view, recommendedDecision: view.recommendation } };
  };
  return {
    network: mdesSandboxNetwork,
    state,
    knobs,
    callbacks: new IssuerCallbacks(ledger, knobs, transport),
    async accountAuthorizationRequest({ account, tokenRequestorId, token, assessment }, ids) {
      const card: z.input<typeof MdesCardAccountData> = {
        accountNumber: account.accountNumber,
        expiryMonth: String(account.expiryMonth).padStart(2, '0'),
        expiryYear: String(account.expiryYear % 100).padStart(2, '0'),
      };
      return {
        ...ids,
        tokenRequestorId,
        tokenUniqueReference: token.tokenUniqueReference,
        panUniqueReference: token.panUniqueReference,
        cardInfo: await mdesFieldLevel.encrypt(card, { certificatePem: keys.mdes.issuerDecryption.certificatePem }),
        tokenType: assessment?.tokenType ?? 'CLOUD',
        accountPanSuffix: account.accountNumber.slice(-4),
        activeTokenCount: assessment?.activeTokenCount ?? 0,
        ...(assessment?.source && { panSource: assessment.source }),
        ...decisioningInfo(assessment),
      };
    },
    authorizationRequest: (account, ids) => ({
      ...ids,
      tokenRequestorId: account.tokenRequestorId,
      pushAccountReceipt: account.receipt,
      pushAccountId: account.pushAccountId,
      tokenType: 'CLOUD',
      accountPanSuffix: account.panSuffix,
      activeTokenCount: 0,
      ...decisioningInfo(),
    }),
    tokenNotification: (token: Token, event?: WalletEvent) => ({
      requestId: randomUUID(),
      reasonCode: event ? walletEvents[event].reasonCode : 'STATUS_UPDATE',
      tokens: [
        {
          tokenUniqueReference: token.tokenUniqueReference,
          panUniqueReference: token.panUniqueReference,
          tokenRequestorId: token.tokenRequestorId,
          ...(token.receipt !== undefined && { pushAccountReceipt: token.receipt }),
          status: token.status,
          eventReasonCode: event ?? (token.status === 'ACTIVE' ? 'TOKEN_ACTIVATED' : 'STATUS_CHANGED'),
          suspendedBy: token.status === 'SUSPENDED' ? ['TOKEN_REQUESTOR'] : [],
          statusTimestamp: token.statusTimestamp,
        },
      ],
    }),
  };
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
