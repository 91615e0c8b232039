/**
 * pushMultipleAccounts: the JWE or field-level payload decrypted, each card checked and its authentication
 * proof verified, receipts issued for the cards MDES takes (with their validity and, when asked, the
 * digitization data), the JWS over them, and a repeated requestId answered as the first time.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { mdesFieldLevel, mdesJwe } from '../../activities/crypto/encryption/profiles.js';
import {
  MdesPushedFundingAccounts,
  MdesPushMultipleAccountsRequest,
  mdesInputErrors,
  type MdesError,
  type MdesPushMultipleAccountsResponse,
  type MdesReceiptSignatureData,
} from '../../activities/networks/mdes/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { checkPushedCard } from '../network/card-checks.js';
import type { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { maskPan, type NetworkState, type PushedAccount } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import { availablePushMethods, findTokenRequestor, type TokenRequestorProfile } from '../token-requestors/catalogue.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors, inputError } from './errors.js';
import { mdesSandboxNetwork, receiptFor } from './mdes-sandbox-network.js';
import { mdesPaths } from './paths.js';
import type { MdesSigner } from './receipt-signing.js';

type Push = z.infer<typeof MdesPushMultipleAccountsRequest>;
type PushedFundingAccount = z.infer<typeof MdesPushedFundingAccounts>[number];

export interface PushRouteDeps {
  options: NetworkSandboxOptions;
  auth: MdesAuthentication;
  state: NetworkState;
  proofs: IssuerProofVerifier;
  signer: MdesSigner;
}

export function registerPushRoute(app: FastifyInstance, deps: PushRouteDeps): void {
  const { options, auth, state } = deps;
  const { keys, ledger } = options;

  app.post(mdesPaths.pushMultipleAccounts, async (request, reply) => {
    if (!(await auth.authenticate(request, reply))) return reply;
    const parsed = MdesPushMultipleAccountsRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const push = parsed.data;
    if (push.pushAccountReceiptsValidityPeriod < 5 || push.pushAccountReceiptsValidityPeriod > 15) {
      return inputError(
        `pushAccountReceiptsValidityPeriod is ${push.pushAccountReceiptsValidityPeriod}; it must be 5 to 15 minutes`,
      );
    }
    const profile = findTokenRequestor(push.tokenRequestorId);
    if (!profile) return inputError(`tokenRequestorId ${push.tokenRequestorId} is not known`);

    let plaintext: unknown;
    try {
      const payload = push.pushFundingAccounts.encryptedPayload;
      plaintext =
        'encryptedValue' in payload
          ? await mdesJwe.decrypt(payload, keys.mdes.encryption)
          : await mdesFieldLevel.decrypt(payload, keys.mdes.encryption);
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      return inputError(`${error.code}: ${error.message}`, 'CRYPTOGRAPHY_ERROR');
    }
    const accounts = MdesPushedFundingAccounts.safeParse(plaintext);
    if (!accounts.success) {
      return businessErrors(
        mdesInputErrors(accounts.error).map((error) => ({
          ...error,
          description: `pushFundingAccounts.encryptedPayload (decrypted) ${error.description}`,
        })),
      );
    }
    if (accounts.data.length > 1 && !profile.supportsMultiplePushedCards) {
      return inputError(`${profile.name} accepts one card per push`);
    }

    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          push.tokenRequestorId,
          accounts.data.map((account) => account.pushAccountId),
          push.signatureData,
          push.pushAccountReceiptsValidityPeriod,
        ]),
      )
      .digest('hex');
    return state.oneAtATime(push.requestId, async () => {
      const answered = state.answeredPush(push.requestId);
      if (answered) {
        if (answered.fingerprint !== fingerprint) {
          return inputError(`requestId ${push.requestId} was already used for another push`);
        }
        ledger.append('push.replayed', { requestId: push.requestId, tokenRequestorId: push.tokenRequestorId });
        return answered.response;
      }
      return answerPush(push, accounts.data, profile, fingerprint);
    });
  });

  /** The first answer to a push: receipts for the cards MDES takes, each refusal beside them. */
  async function answerPush(
    push: Push,
    accounts: PushedFundingAccount[],
    profile: TokenRequestorProfile,
    fingerprint: string,
  ): Promise<object> {
    const now = new Date();
    const lifetimeMs =
      (options.knobs.current.receipts.lifetimeSeconds ?? push.pushAccountReceiptsValidityPeriod * 60) * 1000;
    const issued: PushedAccount[] = [];
    const declined: { pushAccountId: string; maskedPan?: string; reasonCode: string }[] = [];
    const results = [];
    for (const account of accounts) {
      const card = account.fundingAccountData.cardAccountData;
      const refusal = checkPushedCard(
        mdesSandboxNetwork,
        {
          pan: card.accountNumber,
          expiryMonth: Number(card.expiryMonth),
          expiryYear: 2000 + Number(card.expiryYear),
        },
        profile,
        options.knobs.current,
        now,
      );
      let error: MdesError | undefined;
      if (refusal?.kind === 'invalid') {
        error = {
          source: 'INPUT',
          reasonCode: 'INVALID_FIELD_VALUE',
          description: `${refusal.field}: ${refusal.description}`,
          recoverable: false,
        };
      } else if (refusal) {
        error = {
          source: 'MDES',
          reasonCode: 'ACCOUNT_INELIGIBLE',
          description: refusal.description,
          recoverable: false,
        };
      } else {
        try {
          await deps.proofs.verify(account.issuerAuthenticationProof, account.pushAccountId);
        } catch (failure) {
          if (!(failure instanceof CryptoFailure)) throw failure;
          error = {
            source: 'INPUT',
            reasonCode: 'AUTHORIZATION_FAILED',
            description: `issuerAuthenticationProof ${failure.code}: ${failure.message}`,
            recoverable: false,
          };
        }
      }
      if (error) {
        declined.push({
          pushAccountId: account.pushAccountId,
          reasonCode: error.reasonCode,
          ...(refusal?.kind !== 'invalid' && { maskedPan: maskPan(card.accountNumber) }),
        });
        results.push({ pushAccountId: account.pushAccountId, errors: [error] });
        continue;
      }
      const holder = account.fundingAccountData.accountHolderData;
      const pushed: PushedAccount = {
        receipt: receiptFor(card.accountNumber),
        pushAccountId: account.pushAccountId,
        tokenRequestorId: profile.tokenRequestorId,
        requestId: push.requestId,
        maskedPan: maskPan(card.accountNumber),
        panSuffix: card.accountNumber.slice(-4),
        expiryMonth: card.expiryMonth,
        expiryYear: card.expiryYear,
        ...(holder?.accountHolderName && { accountHolderName: holder.accountHolderName }),
        ...(holder && { accountHolderDataFields: Object.keys(holder).sort() }),
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      };
      issued.push(pushed);
      results.push({
        pushAccountId: account.pushAccountId,
        pushAccountReceipt: pushed.receipt,
        ...(push.requestIssuerInitiatedDigitizationData &&
          profile.supportIssuerInitiatedDigitizationData && {
            issuerInitiatedDigitizationData: await deps.signer.digitizationData(pushed),
          }),
      });
    }

    const signatureData: MdesReceiptSignatureData = {
      pushAccountReceipts: issued.map((account) => account.receipt),
      callbackURL: push.signatureData.callbackURL ?? null,
      completeWebsiteActivation: push.signatureData.completeWebsiteActivation ?? false,
      accountHolderDataSupplied: push.signatureData.accountHolderDataSupplied ?? false,
      locale: push.signatureData.locale ?? 'en_US',
    };
    const response = {
      responseId: randomUUID(),
      pushAccountReceipts: results,
      availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
      ...(issued.length > 0 && { signature: await deps.signer.sign(signatureData) }),
    } satisfies z.input<typeof MdesPushMultipleAccountsResponse>;
    state.recordPush({
      requestId: push.requestId,
      tokenRequestorId: push.tokenRequestorId,
      fingerprint,
      response,
      accounts: issued,
      declined,
      encryption: 'encryptedValue' in push.pushFundingAccounts.encryptedPayload ? 'mdes-jwe' : 'mdes-field-level',
    });
    return response;
  }
}
