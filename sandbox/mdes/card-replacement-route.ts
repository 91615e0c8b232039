/**
 * MDES's token update from the issuer for a replaced card (`/mdes/csapi/v2/token/update`,
 * activities/networks/mdes/card-replacement.ts has the shapes): OAuth-signed like the issuer's other calls,
 * the new account field-level decrypted with MDES's key, the token moved (sandbox/network/card-replacement.ts),
 * answered with the token as it now stands or a business error (CRYPTOGRAPHY_ERROR, TOKEN_NOT_FOUND,
 * INVALID_TOKEN_STATUS, INVALID_ACCOUNT).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { mdesFieldLevel } from '../../activities/crypto/encryption/profiles.js';
import {
  mdesCardReplacementRefusals,
  MdesNewAccountInformation,
  MdesTokenUpdateRequest,
} from '../../activities/networks/mdes/card-replacement.js';
import { mdesOperations } from '../../activities/networks/mdes/client.js';
import { mdesInputErrors } from '../../activities/networks/mdes/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { applyCardReplacement } from '../network/card-replacement.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors, inputError } from './errors.js';
import { mdesSandboxNetwork } from './mdes-sandbox-network.js';

export function registerCardReplacementRoute(
  app: FastifyInstance,
  deps: { options: NetworkSandboxOptions; auth: MdesAuthentication; state: NetworkState; ledger: Ledger },
): void {
  app.post(mdesOperations.update, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const parsed = MdesTokenUpdateRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const { RequestId, TokenUpdateRequest } = parsed.data;
    let plaintext: unknown;
    try {
      plaintext = await mdesFieldLevel.decrypt(
        TokenUpdateRequest.EncryptedAccountInformation,
        deps.options.keys.mdes.encryption,
      );
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return inputError(`${error.code}: ${error.message}`, 'CRYPTOGRAPHY_ERROR');
    }
    const account = MdesNewAccountInformation.safeParse(plaintext);
    if (!account.success) {
      // The path and message only: the decrypted values are never repeated.
      return inputError(`EncryptedAccountInformation (decrypted) ${mdesInputErrors(account.error)[0]!.description}`);
    }
    const { AccountPan, ExpirationDate } = account.data.NewAccount;
    const outcome = applyCardReplacement(mdesSandboxNetwork, deps.state, deps.ledger, {
      requestId: RequestId,
      tokenUniqueReference: TokenUpdateRequest.TokenUniqueReference,
      card: {
        pan: AccountPan,
        expiryMonth: Number(ExpirationDate.slice(0, 2)),
        expiryYear: 2000 + Number(ExpirationDate.slice(2)),
      },
    });
    if ('refused' in outcome) return inputError(outcome.message, mdesCardReplacementRefusals[outcome.refused][0]);
    const { token } = outcome;
    return {
      responseId: randomUUID(),
      tokens: [
        {
          tokenUniqueReference: token.tokenUniqueReference,
          status: token.status,
          accountPanSuffix: token.accountPanSuffix,
          statusTimestamp: token.statusTimestamp,
        },
      ],
    };
  });
}
