/**
 * Visa's messages as zod schemas, one definition for the issuer's client, its callback routes and the
 * sandbox: the issuer's calls and Visa's answers (tokenRequestors, pushProvisionedCards with the
 * `encPaymentInstrument` inside each card's JWE), the token requestors' calls (push receipt inquiry,
 * provisionedTokens), the notifications Visa sends the issuer during tokenisation (the JSON inside their JWE), the
 * issuer's answers, and Visa's error envelope. A notification names what it is (`eventType`): the JWS
 * around it does not cover the URL it was posted to.
 */
import { z } from 'zod';
import {
  ActivationMethodOnWire,
  issuerDecision,
  panSource,
  walletScore,
  networkCode,
  networkIdentifier,
  networkInstant,
  tokenRequestorId,
  tokenStatus,
  tokenType,
} from '../message-fields.js';

export const VtsAuthorizeServiceRequest = z.object({
  eventType: z.literal('PROVISIONING_DECISION'),
  correlationId: networkIdentifier,
  clientReferenceID: networkIdentifier.optional(),
  tokenRequestorID: tokenRequestorId,
  /** Absent when the card was not pushed. */
  pushReceipt: networkIdentifier.optional(),
  clientCardID: networkIdentifier.optional(),
  /** The token Visa is creating. */
  vProvisionedTokenID: networkIdentifier.optional(),
  /** Without a receipt, the card itself (VtsTokenisedInstrument), a shared-secret JWE for the issuer. */
  encPaymentInstrument: z.string().min(1).max(8_192).optional(),
  tokenType: tokenType.optional(),
  /** Where the wallet got the card, and the wallet's risk view (our reading: Visa's exact fields are not public). */
  panSource: panSource.optional(),
  riskInformation: z
    .object({
      recommendation: issuerDecision.optional(),
      accountScore: walletScore.optional(),
      deviceScore: walletScore.optional(),
      reasonCodes: z.array(networkCode).max(20).optional(),
    })
    .optional(),
  activeTokenCount: z.int().min(0).max(1_000_000).optional(),
});
export type VtsAuthorizeServiceRequest = z.infer<typeof VtsAuthorizeServiceRequest>;

export const VtsAuthorizeServiceResponse = z.object({
  decision: issuerDecision,
  decisionReason: networkCode.optional(),
  activationMethods: z.array(ActivationMethodOnWire).max(5).optional(),
});

export const VtsNotifyTokenUpdatedRequest = z.object({
  eventType: z.literal('TOKEN_STATUS_UPDATED'),
  vProvisionedTokenID: networkIdentifier.optional(),
  paymentAccountReference: networkIdentifier.optional(),
  tokenRequestorID: tokenRequestorId.optional(),
  pushReceipt: networkIdentifier.optional(),
  tokenStatus,
  /** Why the token moved, when Visa tells it on its own initiative (our reading: the wallet's event). */
  statusReason: networkCode.optional(),
  statusTimestamp: networkInstant,
});
export type VtsNotifyTokenUpdatedRequest = z.infer<typeof VtsNotifyTokenUpdatedRequest>;

export const VtsNotifyTokenUpdatedResponse = z.object({});

export const VisaErrorResponse = z.object({
  errorResponse: z.object({
    status: z.int(),
    message: z.string(),
    reason: z.string(),
    details: z.array(z.object({ location: z.string() })).optional(),
  }),
});
export type VisaErrorResponse = z.infer<typeof VisaErrorResponse>;

export function visaError(status: number, reason: string, message: string, location?: string): VisaErrorResponse {
  return { errorResponse: { status, message, reason, ...(location && { details: [{ location }] }) } };
}

const pushMethodType = z.enum(['ANDROID', 'IOS', 'WEB']);
const pushMethod = z.object({ type: pushMethodType, uri: z.string() });

export const VtsTokenRequestor = z.object({
  tokenRequestorID: z.string(),
  name: z.string(),
  consumerFacingEntityName: z.string(),
  tokenRequestorType: z.enum(['WALLET', 'MERCHANT']),
  imageAssetId: z.string(),
  supportedPushMethods: z.array(pushMethodType),
  availablePushMethods: z.array(pushMethod),
  supportsMultiplePushedCards: z.boolean(),
  supportedAccountHolderData: z.array(z.string()),
});
export type VtsTokenRequestor = z.infer<typeof VtsTokenRequestor>;

export const VtsTokenRequestorsResponse = z.object({ tokenRequestors: z.array(VtsTokenRequestor).default([]) });

/** One card as the issuer encrypts it into `encPaymentInstrument`. */
export const VtsPaymentInstrument = z.object({
  accountNumber: z.string().regex(/^\d{13,19}$/, 'an account number is 13-19 digits'),
  name: z.string().max(256).optional(),
  expirationDate: z.object({
    month: z.string().regex(/^(0[1-9]|1[0-2])$/, 'month is MM'),
    year: z.string().regex(/^\d{4}$/, 'year is YYYY'),
  }),
  billingAddress: z.looseObject({}).optional(),
  provider: z.object({
    intent: z.enum(['PUSH_PROV_ONFILE', 'PUSH_PROV_MOBILE', 'PUSH_PROV_WEB']),
    clientWalletProvider: z.string().min(1),
    clientWalletAccountID: z.string().min(1).optional(),
    clientDeviceID: z.string().min(1).optional(),
    clientAppID: z.string().min(1),
  }),
});

/** The card a tokenisation names by itself (no receipt): its number and expiry, as a push names them. */
export const VtsTokenisedInstrument = VtsPaymentInstrument.pick({ accountNumber: true, expirationDate: true });
export type VtsTokenisedInstrument = z.infer<typeof VtsTokenisedInstrument>;

export const VtsPushProvisionedCardsRequest = z.object({
  clientReferenceID: z.string().min(1).max(64),
  tokenRequestorID: tokenRequestorId,
  panSource: z.literal('ISSUER_PUSH_PROVISION'),
  receiptValidityMinutes: z.number().int().default(15),
  callbackURL: z
    .url({ protocol: /^https?$/ })
    .max(256)
    .optional(),
  cards: z
    .array(
      z.object({
        clientCardID: z.string().min(1).max(36),
        encPaymentInstrument: z.string().min(1),
        issuerAuthenticationProof: z.string().min(1),
      }),
    )
    .min(1)
    .max(5),
});

export const VtsPushProvisionedCardsResponse = z.object({
  clientReferenceID: z.string(),
  pushReceipts: z.array(
    z.object({
      clientCardID: z.string(),
      pushReceipt: z.string().optional(),
      receiptExpiresAt: z.string().optional(),
      errorResponse: VisaErrorResponse.shape.errorResponse.optional(),
    }),
  ),
  availablePushMethods: z.array(pushMethod),
});

/** A token requestor's tokenisation with a push receipt. */
export const VtsProvisionedTokensRequest = z.object({
  clientReferenceID: z.string().min(1).max(64),
  tokenRequestorID: tokenRequestorId,
  pushReceipt: z.string().min(1).max(64),
});

/**
 * A token requestor's provisioning of a card it was given (a wallet's, from the issuer's app): the card
 * (`VtsTokenisedInstrument`) in `encPaymentInstrument`, a JWE with the token requestor's shared secret.
 */
export const VtsProvisionedTokensWithAccountRequest = VtsProvisionedTokensRequest.omit({ pushReceipt: true }).extend({
  encPaymentInstrument: z.string().min(1).max(8_192),
});
export type VtsProvisionedTokensWithAccountRequest = z.input<typeof VtsProvisionedTokensWithAccountRequest>;

/** Before it tokenises, what a token requestor may learn of the card behind a receipt. */
export const VtsPushReceiptInquiryRequest = VtsProvisionedTokensRequest.omit({ clientReferenceID: true });

const paymentInstrumentShown = z.object({
  last4: z.string(),
  expirationDate: z.object({ month: z.string(), year: z.string() }),
});

export const VtsPushReceiptInquiryResponse = z.object({
  pushReceipt: z.string(),
  receiptExpiresAt: z.string(),
  paymentInstrument: paymentInstrumentShown,
});

export const VtsProvisionedTokensResponse = z.object({
  decision: issuerDecision,
  decisionReason: z.string().optional(),
  vProvisionedTokenID: z.string().optional(),
  paymentAccountReference: z.string().optional(),
  tokenInfo: z.object({ tokenStatus, last4: z.string() }).optional(),
  paymentInstrument: paymentInstrumentShown,
});
