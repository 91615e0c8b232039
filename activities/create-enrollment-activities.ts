/**
 * The enrollment activities, built from their dependencies (the worker passes the real ones, tests may
 * pass others). Card data stays inside these functions: they take and return card references, masked
 * numbers and keyed hashes.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { cardProblem, hasExpired } from '../domain/card-number.js';
import { oneTimeCodeRules, type PushMethod, type Redirect } from '../domain/enrollment.js';
import { CryptoFailure } from '../domain/crypto-failure.js';
import { ErrorType } from '../domain/errors.js';
import { customerProfileOf } from '../db/customer-profiles.js';
import { deliverToDevInbox } from '../db/dev-inbox.js';
import { recordPushReceipt } from '../db/push-receipts.js';
import { singleUseClaimer } from '../db/replay-guard.js';
import { recordTokenStatus } from '../db/token-inventory.js';
import type { VaultCard } from '../db/vault-cards.js';
import {
  signAuthenticationProof,
  verifyAuthenticationProof,
  type AuthenticationMethod,
} from './crypto/authentication-proof.js';
import type { CapturedCard, EnrollmentActivities, PushedCardOutcome } from './enrollment-activities.js';
import type { IssuerKeyStore } from './keys/key-store.js';
import type { MdesAccountHolderData, MdesClient } from './networks/mdes/client.js';
import type { VtsClient } from './networks/vts/client.js';
import { takesCard, type TokenRequestorCache } from './token-requestors/token-requestor-cache.js';
import type { CardVault } from './vault/card-vault.js';

/** Reads a card number and expiry from a picture of the card. */
export interface CardReader {
  read(image: {
    mediaType: string;
    base64: string;
  }): Promise<{ pan: string; expiryMonth: number; expiryYear: number } | undefined>;
}

export interface EnrollmentActivityDeps {
  pool: Pool;
  vault: CardVault;
  keys: IssuerKeyStore;
  mdes: MdesClient;
  vts: VtsClient;
  tokenRequestors: TokenRequestorCache;
  cardReader?: CardReader;
}

/** The audience of an app session assertion: this engine. */
export const sessionAssertionAudience = 'pushprov-enrollment';

const nonRetryable = (type: ErrorType, message: string): ApplicationFailure =>
  ApplicationFailure.nonRetryable(message, type);

export function createEnrollmentActivities(deps: EnrollmentActivityDeps): EnrollmentActivities {
  const { pool, vault, keys } = deps;

  return {
    async captureCards({ customerId, cards }) {
      const captured: CapturedCard[] = [];
      for (const [index, source] of cards.entries()) {
        const position = cards.length > 1 ? ` (card ${index + 1})` : '';
        if (source.method === 'card-on-file') {
          const card = await vault.cardOf(customerId, source.cardId);
          if (!card)
            throw nonRetryable(ErrorType.CardNotFound, `The card${position} is not one of this customer's cards`);
          if (hasExpired(card.expiryMonth, card.expiryYear))
            throw nonRetryable(ErrorType.InvalidCard, `The card${position} has expired`);
          captured.push({ ...summary(card), captureMethod: 'card-on-file', requiresConfirmation: false });
          continue;
        }
        const staged = await vault.stagedCapture(customerId, source.captureId);
        if (!staged || ('capture' in staged ? staged.capture.method : staged.method) !== source.method) {
          throw nonRetryable(
            ErrorType.CardNotFound,
            `The ${source.method === 'ocr' ? 'picture' : 'entered card'}${position} is no longer there (it is kept 30 minutes)`,
          );
        }
        let cardRef: string;
        if ('cardRef' in staged) {
          cardRef = staged.cardRef; // a retried capture: this one was vaulted already
        } else {
          const details =
            staged.capture.method === 'manual'
              ? staged.capture.card
              : await readPicture(staged.capture.image, position);
          const problem = cardProblem(details);
          if (problem) throw nonRetryable(ErrorType.InvalidCard, `${problem}${position}`);
          cardRef = (await vault.store(customerId, details, source.method)).cardRef;
          await vault.markCaptured(source.captureId, cardRef);
        }
        const card = (await vault.cardOf(customerId, cardRef))!;
        captured.push({
          ...summary(card),
          captureMethod: source.method,
          requiresConfirmation: source.method === 'ocr',
        });
      }
      if (new Set(captured.map((card) => card.cardRef)).size !== captured.length) {
        throw nonRetryable(ErrorType.InvalidEnrollmentInput, 'The same card appears twice in the enrollment');
      }
      return captured;
    },

    async checkEligibility({ network, tokenRequestorId, pushMethod, cards }) {
      const bins = [...new Set(cards.map((card) => card.bin))];
      let requestor = await deps.tokenRequestors.find(network, tokenRequestorId);
      const unknownRanges = (): string[] => bins.filter((bin) => !requestor || !takesCard(requestor, bin));
      if (!requestor || unknownRanges().length > 0) {
        await deps.tokenRequestors.refresh(network, requestor ? unknownRanges() : bins);
        requestor = await deps.tokenRequestors.find(network, tokenRequestorId);
      }
      if (!requestor) {
        throw nonRetryable(
          ErrorType.NotEligible,
          `Token requestor ${tokenRequestorId} does not take ${network === 'VISA' ? 'Visa' : 'Mastercard'} cards of this issuer`,
        );
      }
      if (!requestor.pushMethods.some((method) => method.type === pushMethod)) {
        const offered = requestor.pushMethods.map((method) => method.type).join(', ');
        throw nonRetryable(
          ErrorType.NotEligible,
          `${requestor.name} cannot be reached from ${pushMethod} (it offers ${offered})`,
        );
      }
      if (cards.length > 1 && !requestor.supportsMultiplePushedCards) {
        throw nonRetryable(ErrorType.NotEligible, `${requestor.name} takes one card at a time`);
      }
      return {
        tokenRequestorName: requestor.name,
        ineligible: cards
          .filter((card) => !takesCard(requestor, card.bin))
          .map((card) => ({ cardRef: card.cardRef, reason: `${requestor.name} does not take cards of this range` })),
      };
    },

    async sendOneTimeCode({ enrollmentId, customerId, channel, sequence }) {
      const key = keys.vault.oneTimeCode;
      // Derived, not drawn: a retried send delivers the same code, never a second one.
      const code = String(
        createHmac('sha256', key.key).update(`code:${enrollmentId}:${sequence}`).digest().readUInt32BE(0) % 1_000_000,
      ).padStart(6, '0');
      const minutes = oneTimeCodeRules.windowMs / 60_000;
      await deliverToDevInbox(pool, {
        customerId,
        channel,
        enrollmentId,
        sequence,
        message: `Your code to add your card: ${code}. It expires in ${minutes} minutes. Never share it.`,
        validityMinutes: minutes,
      });
      return { codeHash: codeHash(key, enrollmentId, sequence, code) };
    },

    checkOneTimeCode({ enrollmentId, code, codeHash: expected }) {
      const [kid, sequence] = expected.split(':') as [string, string];
      const key = keys.vault.oneTimeCode;
      if (key.kid !== kid) return Promise.resolve(false);
      const presented = Buffer.from(codeHash(key, enrollmentId, Number(sequence), code));
      const wanted = Buffer.from(expected);
      return Promise.resolve(presented.length === wanted.length && timingSafeEqual(presented, wanted));
    },

    async verifySessionAssertion({ customerId, assertion }) {
      try {
        const proof = await verifyAuthenticationProof(assertion, {
          jwks: keys.jwks(),
          issuer: keys.networks.issuerId,
          audience: sessionAssertionAudience,
          claimJti: singleUseClaimer(pool, 'session-assertion-jti'),
        });
        if (proof.subject !== customerId) return { valid: false, reason: 'The assertion is about another customer' };
        if (proof.methods.length === 0)
          return { valid: false, reason: 'The assertion does not say how the customer was authenticated' };
        return { valid: true };
      } catch (error) {
        if (error instanceof CryptoFailure) return { valid: false, reason: `${error.code}: ${error.message}` };
        throw error;
      }
    },

    async pushCards(input) {
      const requestId = createHash('sha256').update(`${input.enrollmentId}:push:${input.attempt}`).digest('hex');
      const requestor = await deps.tokenRequestors.find(input.network, input.tokenRequestorId);
      const methods: AuthenticationMethod[] = input.authenticationMethod === 'otp' ? ['otp', 'sms'] : ['swk', 'mfa'];
      const networkKey = input.network === 'MASTERCARD' ? 'mdes' : 'vts';
      const cards = await Promise.all(
        input.cards.map(async (card) => ({
          ...card,
          details: await vault.reveal(card.cardRef),
          proof: (
            await signAuthenticationProof(keys.signing, {
              issuer: keys.networks.issuerId,
              subject: card.pushAccountId,
              audience: keys.networks[networkKey].proofAudience,
              methods,
            })
          ).token,
        })),
      );
      const holder = await accountHolderData(input.customerId, requestor?.supportedAccountHolderData ?? []);
      let outcomes: PushedCardOutcome[];
      let redirectParameters: Record<string, string>;
      let pushMethods: { type: PushMethod; uri: string }[];
      if (input.network === 'MASTERCARD') {
        const result = await deps.mdes.pushMultipleAccounts({
          requestId,
          tokenRequestorId: input.tokenRequestorId,
          accounts: cards.map((card) => ({
            pushAccountId: card.pushAccountId,
            card: {
              accountNumber: card.details.pan,
              expiryMonth: String(card.details.expiryMonth).padStart(2, '0'),
              expiryYear: String(card.details.expiryYear % 100).padStart(2, '0'),
            },
            ...mdesAccountHolder(holder, card.details.cardholderName),
            authenticationProof: card.proof,
          })),
          ...(input.callbackUrl && { callbackUrl: input.callbackUrl }),
          completeWebsiteActivation: input.pushMethod === 'WEB',
          ...(input.locale && { locale: input.locale }),
          requestIssuerInitiatedDigitizationData: requestor?.tokenRequestorType === 'WALLET',
          receiptValidityMinutes: input.receiptValidityMinutes,
        });
        outcomes = result.pushAccountReceipts.map((receipt) => ({
          pushAccountId: receipt.pushAccountId,
          ...(receipt.pushAccountReceipt && { receipt: receipt.pushAccountReceipt }),
          ...(receipt.errors?.[0] && {
            reasonCode: receipt.errors[0].reasonCode,
            reason: receipt.errors[0].description,
          }),
        }));
        pushMethods = result.availablePushMethods;
        const signed = result.signedData;
        redirectParameters = signed
          ? {
              pushAccountReceipts: signed.pushAccountReceipts.join(','),
              ...(signed.callbackURL && { callbackURL: signed.callbackURL }),
              completeWebsiteActivation: String(signed.completeWebsiteActivation),
              accountHolderDataSupplied: String(signed.accountHolderDataSupplied),
              locale: signed.locale,
              signature: result.signature!,
            }
          : {};
      } else {
        const result = await deps.vts.pushProvisionedCards({
          clientReferenceId: requestId,
          tokenRequestorId: input.tokenRequestorId,
          cards: cards.map((card) => ({
            clientCardId: card.pushAccountId,
            instrument: {
              accountNumber: card.details.pan,
              ...(holder.name && card.details.cardholderName && { name: card.details.cardholderName }),
              ...(holder.address && { billingAddress: holder.address }),
              expirationDate: {
                month: String(card.details.expiryMonth).padStart(2, '0'),
                year: String(card.details.expiryYear),
              },
              provider: {
                intent: input.pushMethod === 'WEB' ? 'PUSH_PROV_WEB' : 'PUSH_PROV_MOBILE',
                clientWalletProvider: input.tokenRequestorId,
                clientAppID: 'pushprov',
              },
            },
            authenticationProof: card.proof,
          })),
          receiptValidityMinutes: input.receiptValidityMinutes,
          ...(input.callbackUrl && { callbackUrl: input.callbackUrl }),
        });
        outcomes = result.pushReceipts.map((receipt) => ({
          pushAccountId: receipt.clientCardID,
          ...(receipt.pushReceipt && { receipt: receipt.pushReceipt }),
          ...(receipt.errorResponse && {
            reasonCode: receipt.errorResponse.reason,
            reason: receipt.errorResponse.message,
          }),
        }));
        pushMethods = result.availablePushMethods;
        const receipts = outcomes.flatMap((outcome) => (outcome.receipt ? [outcome.receipt] : []));
        redirectParameters = {
          pushAccountReceipts: receipts.join(','),
          ...(input.callbackUrl && { callbackURL: input.callbackUrl }),
        };
      }

      const expiresAt = new Date(Date.now() + input.receiptValidityMinutes * 60_000);
      for (const outcome of outcomes) {
        if (!outcome.receipt) continue;
        const card = cards.find((candidate) => candidate.pushAccountId === outcome.pushAccountId)!;
        await recordPushReceipt(pool, {
          receipt: outcome.receipt,
          network: input.network,
          enrollmentId: input.enrollmentId,
          cardRef: card.cardRef,
          tokenRequestorId: input.tokenRequestorId,
          pushAccountId: card.pushAccountId,
          expiresAt,
        });
      }
      const uri = pushMethods.find((method) => method.type === input.pushMethod)?.uri;
      const redirect: Redirect | undefined =
        uri && outcomes.some((outcome) => outcome.receipt)
          ? {
              pushMethod: input.pushMethod,
              url: withParameters(uri, redirectParameters),
              expiresAt: expiresAt.toISOString(),
            }
          : undefined;
      return { cards: outcomes, ...(redirect && { redirect }) };
    },

    async recordToken(input) {
      await recordTokenStatus(pool, input);
    },
  };

  /** The account holder data the token requestor takes, from the customer's profile. */
  async function accountHolderData(customerId: string, supported: string[]): Promise<AccountHolder> {
    const profile = await customerProfileOf(pool, customerId);
    return {
      name: supported.includes('NAME'),
      ...(supported.includes('ADDRESS') && profile?.billingAddress && { address: profile.billingAddress }),
      ...(supported.includes('EMAIL_ADDRESS') && profile?.emailAddress && { email: profile.emailAddress }),
      ...(supported.includes('MOBILE_PHONE_NUMBER') &&
        profile?.mobilePhoneNumber && { phone: profile.mobilePhoneNumber }),
    };
  }

  async function readPicture(
    image: { mediaType: string; base64: string },
    position: string,
  ): Promise<{ pan: string; expiryMonth: number; expiryYear: number }> {
    if (!deps.cardReader)
      throw nonRetryable(ErrorType.InvalidCard, `Reading cards from pictures is not configured${position}`);
    const read = await deps.cardReader.read(image);
    if (!read)
      throw nonRetryable(ErrorType.InvalidCard, `No card number and expiry could be read from the picture${position}`);
    return read;
  }
}

interface AccountHolder {
  name: boolean;
  address?: Record<string, string>;
  email?: string;
  phone?: { countryDialInCode: string; phoneNumber: string };
}

function mdesAccountHolder(
  holder: AccountHolder,
  cardholderName: string | undefined,
): { accountHolderData?: MdesAccountHolderData } {
  const data: MdesAccountHolderData = {
    ...(holder.name && cardholderName && { accountHolderName: cardholderName }),
    ...(holder.address && { accountHolderAddress: holder.address }),
    ...(holder.email && { accountHolderEmailAddress: holder.email }),
    ...(holder.phone && { accountHolderMobilePhoneNumber: holder.phone }),
  };
  return Object.keys(data).length > 0 ? { accountHolderData: data } : {};
}

function summary(card: VaultCard): Omit<CapturedCard, 'captureMethod' | 'requiresConfirmation'> {
  return {
    cardRef: card.cardRef,
    maskedPan: card.maskedPan,
    network: card.network,
    bin: card.bin,
  };
}

/** `kid:sequence:hex`: the key id and the code's number travel with the hash, never the code. */
function codeHash(key: { kid: string; key: Buffer }, enrollmentId: string, sequence: number, code: string): string {
  const mac = createHmac('sha256', key.key).update(`check:${enrollmentId}:${sequence}:${code}`).digest('hex');
  return `${key.kid}:${sequence}:${mac}`;
}

function withParameters(uri: string, parameters: Record<string, string>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return url.toString();
}
