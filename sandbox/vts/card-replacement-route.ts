/**
 * Visa's PAN lifecycle call from the issuer for a replaced card (`/vtis/v1/pan/lifecycle`,
 * activities/networks/vts/card-replacement.ts has the shapes): authenticated like the issuer's other calls,
 * `encryptedData` decrypted with the issuer's shared secret, the token moved
 * (sandbox/network/card-replacement.ts), answered with the token as it now stands, or refused in Visa's
 * envelope (400 invalidEncryption, 404 VSE40003, 400 VSE40011, 400 cardNotEligible). A repeated
 * `x-request-id` is the same request.
 */
import type { FastifyInstance } from 'fastify';
import { vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import {
  vtsCardReplacementRefusals,
  VtsPanUpdateRequest,
  VtsReplaceCardholderInfo,
} from '../../activities/networks/vts/card-replacement.js';
import { vtsPanLifecycleRoute } from '../../activities/networks/vts/client.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { applyCardReplacement } from '../network/card-replacement.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import type { VtsAuthentication } from './authentication.js';
import { parameterError, visaError } from './errors.js';
import { vtsSandboxNetwork } from './vts-sandbox-network.js';

export function registerCardReplacementRoute(
  app: FastifyInstance,
  deps: { options: NetworkSandboxOptions; auth: VtsAuthentication; state: NetworkState; ledger: Ledger },
): void {
  const { keys } = deps.options;
  const issuerParty = { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret };
  app.post(vtsPanLifecycleRoute, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const parsed = VtsPanUpdateRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    let plaintext: unknown;
    try {
      plaintext = await vtsSharedSecretJwe.decrypt(parsed.data.encryptedData, issuerParty);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return reply.code(400).send(visaError(400, 'invalidEncryption', error.message, 'encryptedData'));
    }
    const card = VtsReplaceCardholderInfo.safeParse(plaintext);
    if (!card.success) return reply.code(400).send(parameterError(card.error, 'encryptedData.'));
    const { primaryAccountNumber, expirationDate } = card.data.replaceCardholderInfo;
    const requestId = request.headers['x-request-id'];
    const outcome = applyCardReplacement(vtsSandboxNetwork, deps.state, deps.ledger, {
      ...(typeof requestId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(requestId) && { requestId }),
      tokenUniqueReference: parsed.data.tokenReferenceID,
      tokenRequestorId: parsed.data.tokenRequestorID,
      card: {
        pan: primaryAccountNumber,
        expiryMonth: Number(expirationDate.month),
        expiryYear: Number(expirationDate.year),
      },
    });
    if ('refused' in outcome) {
      const status = outcome.refused === 'TOKEN_NOT_FOUND' ? 404 : 400;
      const reason = vtsCardReplacementRefusals[outcome.refused][0]!;
      return reply.code(status).send(visaError(status, reason, outcome.message));
    }
    const { token } = outcome;
    return { tokenReferenceID: token.tokenUniqueReference, status: token.status, panSuffix: token.accountPanSuffix };
  });
}
