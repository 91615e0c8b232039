/**
 * Mastercard MDES behind the engine's seam: token requestors are asked for by account range (in batches
 * of 25) and take only the ranges they list; the push is pushMultipleAccounts, whose redirect carries
 * what MDES signed over the receipts; Google Pay's opaque payment card is the card field-level encrypted
 * for MDES, with the issuer's TAV.
 */
import { randomUUID } from 'node:crypto';
import type { CachedTokenRequestor } from '../../../db/token-requestors.js';
import type { CardDetails } from '../../../domain/card-number.js';
import type { AccountHolder, CardNetworkAdapter } from '../card-network.js';
import { ErrorType } from '../../../domain/errors.js';
import { mdesFieldLevel } from '../../crypto/encryption/profiles.js';
import { nonRetryable } from '../../enrollment/failures.js';
import { mdesCallbacks } from './callbacks.js';
import { mdesCardReplacement } from './card-replacement.js';
import type { MdesAccountHolderData, MdesClient } from './client.js';
import { createTav } from './tav.js';
import { mdesTokenLifecycle } from './token-lifecycle.js';
import { mdesTokenStatus } from './token-status.js';

/** MDES takes account ranges of 9 to 19 digits: a BIN is asked as its first nine, zero-padded. */
const asAccountRange = (bin: string): string => bin.padEnd(9, '0');

/** getEligibleTokenRequestors takes at most this many account ranges per request. */
const rangesPerRequest = 25;

export function mdesNetwork(client: MdesClient): CardNetworkAdapter {
  return {
    id: 'MASTERCARD',
    brand: 'Mastercard',
    // A token requestor with no range listed takes none.
    takesCard: (requestor, bin) => requestor.enabledAccountRanges.includes(bin),
    proofAudience: (credentials) => credentials.mdes.proofAudience,
    callbacks: mdesCallbacks,
    tokenLifecycle: (request) => mdesTokenLifecycle(client, request),
    tokenStatus: (request) => mdesTokenStatus(client, request),
    replaceCard: (request, credentials) => mdesCardReplacement(client, credentials, request),

    // Mastercard's Tokenization Authentication Value (v2, public; tav.ts), signed with the issuer's TAV key,
    // over the card the wallet will tokenise: MDES checks it when the wallet asks.
    walletActivationData({ card, credentials }) {
      const signingKey = credentials.mdes.tavSigningKey;
      if (!signingKey) {
        return Promise.reject(
          nonRetryable(
            ErrorType.NotEligible,
            'No TAV signing key is configured for Mastercard (mdes.tavSigningKeyPem)',
          ),
        );
      }
      const twoDigits = (value: number): string => String(value % 100).padStart(2, '0');
      return createTav(
        { accountNumber: card.pan, expiryMonth: twoDigits(card.expiryMonth), expiryYear: twoDigits(card.expiryYear) },
        signingKey,
      );
    },

    // Google Pay's OPC for Mastercard. Public: the envelope, base64 of JSON {cardInfo, tokenizationAuthenticationValue},
    // cardInfo in Mastercard's field-level encryption (mastercard-client-encryption's fields) to MDES's current
    // encryption certificate, and the TAV beside it. Our reading of public descriptions: the plaintext's fields
    // (tokenize's FundingAccountData, with source ACCOUNT_ON_FILE); MDES's certified cardInfo layout replaces
    // `opcCardInfo` here and nothing else.
    async pushTokenizeOpc({ card, activationData, credentials }) {
      const { certificatePem } = credentials.currentEncryptionKey('mdes');
      const cardInfo = await mdesFieldLevel.encrypt(opcCardInfo(card), { certificatePem: certificatePem! });
      const opc = { cardInfo, tokenizationAuthenticationValue: activationData };
      return Buffer.from(JSON.stringify(opc), 'utf8').toString('base64');
    },

    // Asked by account range: no range, no question.
    async tokenRequestors(bins, refreshedAt) {
      const found: CachedTokenRequestor[] = [];
      const ranges = [...new Set(bins)];
      for (let start = 0; start < ranges.length; start += rangesPerRequest) {
        const batch = ranges.slice(start, start + rangesPerRequest);
        const requestors = await client.getEligibleTokenRequestors({
          requestId: randomUUID(),
          accountRanges: batch.map(asAccountRange),
        });
        for (const requestor of requestors) {
          const enabled = batch.filter((bin) =>
            requestor.enabledAccountRanges.some((range) => range.startsWith(asAccountRange(bin))),
          );
          const earlier = found.find((candidate) => candidate.tokenRequestorId === requestor.tokenRequestorId);
          if (earlier) {
            earlier.enabledAccountRanges.push(...enabled);
            continue;
          }
          found.push({
            network: 'MASTERCARD',
            tokenRequestorId: requestor.tokenRequestorId,
            name: requestor.name,
            consumerFacingEntityName: requestor.consumerFacingEntityName,
            tokenRequestorType: requestor.tokenRequestorType,
            ...(requestor.walletId && { walletId: requestor.walletId }),
            imageAssetId: requestor.imageAssetId,
            enabledAccountRanges: enabled,
            pushMethods: requestor.availablePushMethods,
            supportedAccountHolderData: requestor.supportedAccountHolderData,
            supportsMultiplePushedCards: requestor.supportsMultiplePushedCards,
            refreshedAt,
          });
        }
      }
      return found;
    },

    async push(request) {
      const result = await client.pushMultipleAccounts({
        requestId: request.requestId,
        tokenRequestorId: request.tokenRequestorId,
        accounts: request.cards.map((card) => ({
          pushAccountId: card.pushAccountId,
          card: {
            accountNumber: card.details.pan,
            expiryMonth: String(card.details.expiryMonth).padStart(2, '0'),
            expiryYear: String(card.details.expiryYear % 100).padStart(2, '0'),
          },
          ...mdesAccountHolder(request.holder, card.details.cardholderName),
          authenticationProof: card.authenticationProof,
        })),
        ...(request.callbackUrl && { callbackUrl: request.callbackUrl }),
        completeWebsiteActivation: request.pushMethod === 'WEB',
        ...(request.locale && { locale: request.locale }),
        requestIssuerInitiatedDigitizationData: request.requestor?.tokenRequestorType === 'WALLET',
        receiptValidityMinutes: request.receiptValidityMinutes,
      });
      const signed = result.signedData;
      return {
        cards: result.pushAccountReceipts.map((receipt) => ({
          pushAccountId: receipt.pushAccountId,
          ...(receipt.pushAccountReceipt && { receipt: receipt.pushAccountReceipt }),
          ...(receipt.errors?.[0] && {
            reasonCode: receipt.errors[0].reasonCode,
            reason: receipt.errors[0].description,
          }),
        })),
        pushMethods: result.availablePushMethods,
        // The token requestor checks MDES's signature over exactly these values.
        redirectParameters: signed
          ? {
              pushAccountReceipts: signed.pushAccountReceipts.join(','),
              ...(signed.callbackURL && { callbackURL: signed.callbackURL }),
              completeWebsiteActivation: String(signed.completeWebsiteActivation),
              accountHolderDataSupplied: String(signed.accountHolderDataSupplied),
              locale: signed.locale,
              signature: result.signature!,
            }
          : {},
      };
    },
  };
}

/**
 * The card as the OPC's cardInfo carries it: MDES's FundingAccountData (the tokenize call's encryptedPayload),
 * so the network reads the wallet's OPC as it reads any token requestor's card; expiry as MM and YY.
 */
function opcCardInfo(card: CardDetails): object {
  return {
    cardAccountData: {
      accountNumber: card.pan,
      expiryMonth: String(card.expiryMonth).padStart(2, '0'),
      expiryYear: String(card.expiryYear % 100).padStart(2, '0'),
    },
    ...(card.cardholderName && { accountHolderData: { accountHolderName: card.cardholderName } }),
    source: 'ACCOUNT_ON_FILE',
  };
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
