/**
 * pushProvisionedCards: every card's `encPaymentInstrument` decrypted first (shared-secret or RSA JWE, the
 * header says which), each card checked and its authentication proof verified, receipts issued for the
 * cards Visa takes, and a repeated clientReferenceID answered as the first time.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { vtsRsaJwe, vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import {
  VtsPaymentInstrument,
  VtsPushProvisionedCardsRequest,
  type VtsPushProvisionedCardsResponse,
} from '../../activities/networks/vts/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import { checkPushedCard } from '../network/card-checks.js';
import type { IssuerProofVerifier } from '../network/issuer-proofs.js';
import { maskPan, type NetworkState, type PushedAccount } from '../network/network-state.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import { availablePushMethods, findTokenRequestor, type TokenRequestorProfile } from '../token-requestors/catalogue.js';
import type { VtsAuthentication } from './authentication.js';
import { parameterError, visaError } from './errors.js';
import { vtsPaths } from './paths.js';
import { receiptFor, vtsSandboxNetwork } from './vts-sandbox-network.js';

type Push = z.infer<typeof VtsPushProvisionedCardsRequest>;

export interface PushRouteDeps {
  options: NetworkSandboxOptions;
  auth: VtsAuthentication;
  state: NetworkState;
  proofs: IssuerProofVerifier;
}

function profileOf(jwe: string): 'vts-rsa-jwe' | 'vts-shared-secret-jwe' {
  try {
    const { alg } = JSON.parse(Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString()) as { alg?: unknown };
    return alg === 'RSA-OAEP-256' ? 'vts-rsa-jwe' : 'vts-shared-secret-jwe';
  } catch {
    return 'vts-shared-secret-jwe';
  }
}

export function registerPushRoute(app: FastifyInstance, deps: PushRouteDeps): void {
  const { options, state } = deps;
  const { keys, ledger, knobs } = options;
  const issuerParty = { apiKey: keys.vts.issuerApiKey, sharedSecret: keys.vts.issuerSharedSecret };

  app.post(vtsPaths.pushProvisionedCards, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const parsed = VtsPushProvisionedCardsRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const push = parsed.data;
    if (push.receiptValidityMinutes < 5 || push.receiptValidityMinutes > 15) {
      return reply
        .code(400)
        .send(visaError(400, 'invalidParameter', 'receiptValidityMinutes must be 5 to 15', 'receiptValidityMinutes'));
    }
    const profile = findTokenRequestor(push.tokenRequestorID);
    if (!profile) {
      return reply
        .code(400)
        .send(
          visaError(
            400,
            'invalidParameter',
            `tokenRequestorID ${push.tokenRequestorID} is not known`,
            'tokenRequestorID',
          ),
        );
    }
    if (push.cards.length > 1 && !profile.supportsMultiplePushedCards) {
      return reply
        .code(400)
        .send(visaError(400, 'invalidParameter', `${profile.name} accepts one card per push`, 'cards'));
    }
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          push.tokenRequestorID,
          push.cards.map((card) => card.clientCardID),
          push.receiptValidityMinutes,
          push.callbackURL,
        ]),
      )
      .digest('hex');
    return state.oneAtATime(push.clientReferenceID, () => answerPush(push, profile, fingerprint, reply));
  });

  async function answerPush(
    push: Push,
    profile: TokenRequestorProfile,
    fingerprint: string,
    reply: FastifyReply,
  ): Promise<unknown> {
    const answered = state.answeredPush(push.clientReferenceID);
    if (answered) {
      if (answered.fingerprint !== fingerprint) {
        return reply
          .code(409)
          .send(
            visaError(
              409,
              'duplicateRequest',
              `clientReferenceID ${push.clientReferenceID} was already used for another push`,
              'clientReferenceID',
            ),
          );
      }
      ledger.append('push.replayed', { requestId: push.clientReferenceID, tokenRequestorId: push.tokenRequestorID });
      return answered.response;
    }

    // Decrypt every card before anything is issued: a cryptography error refuses the whole request.
    const instruments: z.infer<typeof VtsPaymentInstrument>[] = [];
    for (const [index, card] of push.cards.entries()) {
      let plaintext: unknown;
      try {
        plaintext = await decryptInstrument(card.encPaymentInstrument);
      } catch (error) {
        if (!(error instanceof CryptoFailure)) throw error;
        return reply
          .code(400)
          .send(
            visaError(
              400,
              'invalidEncryption',
              `${error.code}: ${error.message}`,
              `cards[${index}].encPaymentInstrument`,
            ),
          );
      }
      const instrument = VtsPaymentInstrument.safeParse(plaintext);
      if (!instrument.success)
        return reply.code(400).send(parameterError(instrument.error, `cards[${index}].encPaymentInstrument.`));
      instruments.push(instrument.data);
    }

    const now = new Date();
    const lifetimeMs = (knobs.current.receipts.lifetimeSeconds ?? push.receiptValidityMinutes * 60) * 1000;
    const issued: PushedAccount[] = [];
    const declined: { pushAccountId: string; maskedPan?: string; reasonCode: string }[] = [];
    const pushReceipts = [];
    for (const [index, card] of push.cards.entries()) {
      const instrument = instruments[index]!;
      const refusal = checkPushedCard(
        vtsSandboxNetwork,
        {
          pan: instrument.accountNumber,
          expiryMonth: Number(instrument.expirationDate.month),
          expiryYear: Number(instrument.expirationDate.year),
        },
        profile,
        knobs.current,
        now,
      );
      let error: object | undefined;
      let reason: string | undefined;
      if (refusal?.kind === 'invalid') {
        reason = 'invalidParameter';
        const field = refusal.field === 'expiry' ? 'expirationDate' : refusal.field;
        error = visaError(422, reason, refusal.description, `cards[${index}].encPaymentInstrument.${field}`);
      } else if (refusal) {
        reason = 'cardNotEligible';
        error = visaError(422, reason, refusal.description);
      } else {
        try {
          await deps.proofs.verify(card.issuerAuthenticationProof, card.clientCardID);
        } catch (failure) {
          if (!(failure instanceof CryptoFailure)) throw failure;
          reason = 'authenticationFailed';
          error = visaError(
            401,
            'authenticationFailed',
            `issuerAuthenticationProof ${failure.code}: ${failure.message}`,
            'issuerAuthenticationProof',
          );
        }
      }
      if (error) {
        declined.push({
          pushAccountId: card.clientCardID,
          reasonCode: reason!,
          // As MDES records it: a card refused as invalid is kept without even its masked number.
          ...(refusal?.kind !== 'invalid' && { maskedPan: maskPan(instrument.accountNumber) }),
        });
        pushReceipts.push({ clientCardID: card.clientCardID, ...error });
        continue;
      }
      const account: PushedAccount = {
        receipt: receiptFor(),
        pushAccountId: card.clientCardID,
        tokenRequestorId: profile.tokenRequestorId,
        requestId: push.clientReferenceID,
        maskedPan: maskPan(instrument.accountNumber),
        panSuffix: instrument.accountNumber.slice(-4),
        expiryMonth: instrument.expirationDate.month,
        expiryYear: instrument.expirationDate.year.slice(2),
        ...(instrument.name && { accountHolderName: instrument.name }),
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + lifetimeMs).toISOString(),
      };
      issued.push(account);
      pushReceipts.push({
        clientCardID: card.clientCardID,
        pushReceipt: account.receipt,
        receiptExpiresAt: account.expiresAt,
      });
    }
    const response = {
      clientReferenceID: push.clientReferenceID,
      pushReceipts,
      availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
    } satisfies z.input<typeof VtsPushProvisionedCardsResponse>;
    state.recordPush({
      requestId: push.clientReferenceID,
      tokenRequestorId: push.tokenRequestorID,
      fingerprint,
      response,
      accounts: issued,
      declined,
      encryption: profileOf(push.cards[0]!.encPaymentInstrument),
    });
    return response;
  }

  /** Either channel: the header says which one the issuer used. */
  async function decryptInstrument(jwe: string): Promise<unknown> {
    return profileOf(jwe) === 'vts-rsa-jwe'
      ? vtsRsaJwe.decrypt(jwe, { ...keys.vts.encryption })
      : vtsSharedSecretJwe.decrypt(jwe, issuerParty);
  }
}
