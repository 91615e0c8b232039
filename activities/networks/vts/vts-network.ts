/**
 * Visa VTS behind the engine's seam: Visa lists all its token requestors for the issuer and answers per
 * token requestor, not per range, so a Visa token requestor takes every card of the issuer; the push is
 * the push-provisioning request, whose redirect carries the receipts; Google Pay's opaque payment card is
 * a shared-secret JWE for VTS.
 */
import { signAuthenticationProof } from '../../crypto/authentication-proof.js';
import { vtsSharedSecretJwe } from '../../crypto/encryption/profiles.js';
import type { CardNetworkAdapter } from '../card-network.js';
import { vtsCallbacks } from './callbacks.js';
import { vtsCardReplacement } from './card-replacement.js';
import { vtsTokenLifecycle } from './token-lifecycle.js';
import { vtsTokenStatus } from './token-status.js';
import type { VtsClient } from './client.js';

export function vtsNetwork(client: VtsClient): CardNetworkAdapter {
  return {
    id: 'VISA',
    brand: 'Visa',
    takesCard: () => true,
    proofAudience: (credentials) => credentials.vts.proofAudience,
    callbacks: vtsCallbacks,
    tokenLifecycle: (request) => vtsTokenLifecycle(client, request),
    tokenStatus: (request) => vtsTokenStatus(client, request),
    replaceCard: (request, credentials) => vtsCardReplacement(client, credentials, request),

    // Visa's own activation value is confidential to its programme: the public construction is the issuer's
    // authentication proof (a JWS Visa verifies with the issuer's JWKS), about the provisioning's reference.
    async walletActivationData({ reference, methods, credentials, signing }) {
      const proof = await signAuthenticationProof(signing, {
        issuer: credentials.issuerId,
        subject: reference,
        audience: credentials.vts.proofAudience,
        methods,
      });
      return proof.token;
    },

    // Google Pay's OPC for Visa. Public: a compact JWE (A256GCMKW, A256GCM, typ JOSE, channelSecurityContext
    // SHARED_SECRET, iat) under the issuer's current shared secret, whose payload names the client app, device,
    // wallet provider and wallet account, intent PUSH_PROV_MOBILE, and the card as the push names its instrument.
    // activationData is the sandbox's name for the issuer's activation value (Visa's own is confidential); Visa's
    // certified payload layout replaces `payload` here and nothing else.
    pushTokenizeOpc({ card, activationData, device, tokenRequestorId, credentials, now }) {
      const payload = {
        clientAppID: 'pushprov',
        clientDeviceID: device.deviceId,
        clientWalletProvider: tokenRequestorId,
        clientWalletAccountID: device.walletAccountId,
        intent: 'PUSH_PROV_MOBILE',
        accountNumber: card.pan,
        ...(card.cardholderName && { name: card.cardholderName }),
        expirationDate: {
          month: String(card.expiryMonth).padStart(2, '0'),
          year: String(card.expiryYear),
        },
        activationData,
      };
      const party = { apiKey: credentials.vts.apiKey, sharedSecret: credentials.vts.sharedSecrets.at(-1)! };
      return vtsSharedSecretJwe.encrypt(payload, party, now);
    },

    async tokenRequestors(_bins, refreshedAt) {
      return (await client.getTokenRequestors()).map((requestor) => ({
        network: 'VISA' as const,
        tokenRequestorId: requestor.tokenRequestorID,
        name: requestor.name,
        consumerFacingEntityName: requestor.consumerFacingEntityName,
        tokenRequestorType: requestor.tokenRequestorType,
        imageAssetId: requestor.imageAssetId,
        enabledAccountRanges: [],
        pushMethods: requestor.availablePushMethods,
        supportedAccountHolderData: requestor.supportedAccountHolderData,
        supportsMultiplePushedCards: requestor.supportsMultiplePushedCards,
        refreshedAt,
      }));
    },

    async push(request) {
      const result = await client.pushProvisionedCards({
        clientReferenceId: request.requestId,
        tokenRequestorId: request.tokenRequestorId,
        cards: request.cards.map((card) => ({
          clientCardId: card.pushAccountId,
          instrument: {
            accountNumber: card.details.pan,
            ...(request.holder.name && card.details.cardholderName && { name: card.details.cardholderName }),
            ...(request.holder.address && { billingAddress: request.holder.address }),
            expirationDate: {
              month: String(card.details.expiryMonth).padStart(2, '0'),
              year: String(card.details.expiryYear),
            },
            provider: {
              intent: request.pushMethod === 'WEB' ? 'PUSH_PROV_WEB' : 'PUSH_PROV_MOBILE',
              clientWalletProvider: request.tokenRequestorId,
              clientAppID: 'pushprov',
            },
          },
          authenticationProof: card.authenticationProof,
        })),
        receiptValidityMinutes: request.receiptValidityMinutes,
        ...(request.callbackUrl && { callbackUrl: request.callbackUrl }),
      });
      const receipts = result.pushReceipts.flatMap((receipt) => (receipt.pushReceipt ? [receipt.pushReceipt] : []));
      return {
        cards: result.pushReceipts.map((receipt) => ({
          pushAccountId: receipt.clientCardID,
          ...(receipt.pushReceipt && { receipt: receipt.pushReceipt }),
          ...(receipt.errorResponse && {
            reasonCode: receipt.errorResponse.reason,
            reason: receipt.errorResponse.message,
          }),
        })),
        pushMethods: result.availablePushMethods,
        redirectParameters: {
          pushAccountReceipts: receipts.join(','),
          ...(request.callbackUrl && { callbackURL: request.callbackUrl }),
        },
      };
    },
  };
}
