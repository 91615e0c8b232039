/**
 * MDES's messages as zod schemas, one definition for the issuer's client, its callback routes and the
 * sandbox: the issuer's calls and MDES's answers (getEligibleTokenRequestors, the asset, pushMultipleAccounts
 * with its encrypted payload and signed receipts), the token requestors' calls (checkEligibility, tokenize),
 * the calls MDES makes to the issuer during tokenisation (authorizeService, notifyTokenUpdated), the issuer's
 * answers, and MDES's two error envelopes (errors[] for a message, the gateway's for a call).
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

/** Mastercard's field-level encryption, as its client library writes it (profiles.ts's `mdesFieldLevel`). */
export const MdesFieldLevelPayload = z.object({
  encryptedData: z.string(),
  encryptedKey: z.string(),
  iv: z.string(),
  oaepHashingAlgorithm: z.string(),
  publicKeyFingerprint: z.string(),
});

/** A card as MDES names it: its number and expiry (MM, YY). */
export const MdesCardAccountData = z.object({
  accountNumber: z.string().regex(/^\d{12,19}$/, 'an account number is 12-19 digits'),
  expiryMonth: z.string().regex(/^(0[1-9]|1[0-2])$/, 'expiryMonth is MM'),
  expiryYear: z.string().regex(/^\d{2}$/, 'expiryYear is YY'),
});

export const MdesAuthorizeServiceRequest = z.object({
  requestId: networkIdentifier,
  correlationId: networkIdentifier,
  tokenRequestorId,
  walletId: networkIdentifier.optional(),
  /** Absent when the card was not pushed (the cardholder typed it into the wallet, or the issuer's app added it). */
  pushAccountReceipt: networkIdentifier.optional(),
  /** The token MDES is creating, and its card's reference. */
  tokenUniqueReference: networkIdentifier.optional(),
  panUniqueReference: networkIdentifier.optional(),
  /** Without a receipt, the card itself (MdesCardAccountData), encrypted for the issuer's own key. */
  cardInfo: MdesFieldLevelPayload.optional(),
  tokenType: tokenType.optional(),
  activeTokenCount: z.int().min(0).max(1_000_000).optional(),
  /** Where the wallet got the card (our reading: MDES's own field is not public). */
  panSource: panSource.optional(),
  /**
   * The wallet's risk view, with the field names of the public DecisioningData a token requestor sends MDES
   * (recommendation, deviceScore, accountScore, recommendationReasons), as MDES passes it on.
   */
  walletProviderDecisioningInfo: z
    .object({
      recommendedDecision: issuerDecision.optional(),
      recommendationStandardVersion: z.string().max(16).optional(),
      deviceScore: walletScore.optional(),
      accountScore: walletScore.optional(),
      recommendationReasons: z.array(networkCode).max(20).optional(),
    })
    .optional(),
});
export type MdesAuthorizeServiceRequest = z.infer<typeof MdesAuthorizeServiceRequest>;

export const MdesAuthorizeServiceResponse = z.object({
  responseId: networkIdentifier,
  decision: issuerDecision,
  decisionReason: networkCode.optional(),
  /** For REQUIRE_ADDITIONAL_AUTHENTICATION: how the cardholder may activate, destinations masked. */
  activationMethods: z.array(ActivationMethodOnWire).max(5).optional(),
});

export const MdesTokenUpdate = z.object({
  tokenUniqueReference: networkIdentifier,
  tokenRequestorId: tokenRequestorId.optional(),
  pushAccountReceipt: networkIdentifier.optional(),
  status: tokenStatus,
  eventReasonCode: networkCode.optional(),
  suspendedBy: z.array(networkCode).max(10).optional(),
  statusTimestamp: networkInstant,
});

export const MdesNotifyTokenUpdatedRequest = z.object({
  requestId: networkIdentifier,
  reasonCode: networkCode,
  tokens: z.array(MdesTokenUpdate).max(100),
});
export type MdesNotifyTokenUpdatedRequest = z.infer<typeof MdesNotifyTokenUpdatedRequest>;

export const MdesNotifyTokenUpdatedResponse = z.object({ responseId: networkIdentifier });

export const MdesError = z.object({
  source: z.enum(['MDES', 'INPUT']),
  reasonCode: z.string(),
  description: z.string(),
  recoverable: z.boolean(),
});
export type MdesError = z.infer<typeof MdesError>;

/** A message MDES refuses, or (here) one the issuer refuses: `errors[]`. */
export const MdesErrorResponse = z.object({ responseId: z.string(), errors: z.array(MdesError).min(1) });

export const MdesGatewayErrorResponse = z.object({
  Errors: z.object({
    Error: z.array(
      z.object({
        Source: z.string(),
        ReasonCode: z.string(),
        Description: z.string(),
        Recoverable: z.boolean(),
        Details: z.string().nullable(),
      }),
    ),
  }),
});
export type MdesGatewayErrorResponse = z.infer<typeof MdesGatewayErrorResponse>;

/** The gateway's envelope: a call refused before its message is read (authentication, transport, limits). */
export function mdesGatewayError(
  status: number,
  reason: string,
  description: string,
  details?: string,
): MdesGatewayErrorResponse {
  return {
    Errors: {
      Error: [
        {
          Source: 'Gateway',
          ReasonCode: reason,
          Description: description,
          Recoverable: status === 429 || status >= 500,
          Details: details ?? null,
        },
      ],
    },
  };
}

/** Each issue of a message that does not match its schema, as an INPUT error naming the field. */
export function mdesInputErrors(error: z.ZodError): MdesError[] {
  return error.issues.map((issue) => ({
    source: 'INPUT',
    reasonCode:
      issue.code === 'invalid_type' && issue.message.includes('undefined')
        ? 'MISSING_REQUIRED_FIELD'
        : 'INVALID_FIELD_VALUE',
    description: `${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`,
    recoverable: false,
  }));
}

const requestId = z.string().min(1).max(64);
const pushMethodType = z.enum(['ANDROID', 'IOS', 'WEB']);
export type PushMethodType = z.infer<typeof pushMethodType>;
const pushMethod = z.object({ type: pushMethodType, uri: z.string() });

export const MdesEligibleTokenRequestorsRequest = z.object({
  requestId,
  accountRanges: z
    .array(z.string().regex(/^\d{9,19}$/, 'an account range is 9-19 digits'))
    .min(1)
    .max(25),
});

export const MdesTokenRequestor = z.object({
  tokenRequestorId: z.string(),
  name: z.string(),
  consumerFacingEntityName: z.string(),
  imageAssetId: z.string(),
  tokenRequestorType: z.enum(['WALLET', 'MERCHANT']),
  walletId: z.string().optional(),
  enabledAccountRanges: z.array(z.string()),
  supportedPushMethods: z.array(pushMethodType),
  availablePushMethods: z.array(pushMethod),
  supportsMultiplePushedCards: z.boolean(),
  supportedAccountHolderData: z.array(z.enum(['NAME', 'ADDRESS', 'EMAIL_ADDRESS', 'MOBILE_PHONE_NUMBER'])),
  supportsCardHolderAuthentication: z.boolean(),
  supportIssuerInitiatedDigitizationData: z.boolean(),
});
export type MdesTokenRequestor = z.infer<typeof MdesTokenRequestor>;

export const MdesEligibleTokenRequestorsResponse = z.object({
  responseId: z.string().optional(),
  tokenRequestors: z.array(MdesTokenRequestor).default([]),
});

export const MdesMediaContent = z.object({
  type: z.string(),
  data: z.string(),
  width: z.number().optional(),
  height: z.number().optional(),
});
export type MdesMediaContent = z.infer<typeof MdesMediaContent>;

export const MdesAssetResponse = z.object({ mediaContents: z.array(MdesMediaContent) });

export const MdesAccountHolderData = z
  .object({
    accountHolderName: z.string().max(256).optional(),
    accountHolderAddress: z
      .object({
        line1: z.string().optional(),
        line2: z.string().optional(),
        city: z.string().optional(),
        countrySubdivision: z.string().optional(),
        postalCode: z.string().optional(),
        country: z.string().optional(),
      })
      .optional(),
    accountHolderEmailAddress: z.string().optional(),
    accountHolderMobilePhoneNumber: z.object({ countryDialInCode: z.string(), phoneNumber: z.string() }).optional(),
  })
  .loose();
export type MdesAccountHolderData = z.infer<typeof MdesAccountHolderData>;

/** One card of a push, as it travels encrypted in `pushFundingAccounts.encryptedPayload`. */
export const MdesPushedFundingAccount = z.object({
  pushAccountId: z.string().min(1).max(36),
  fundingAccountData: z.object({
    cardAccountData: MdesCardAccountData,
    accountHolderData: MdesAccountHolderData.optional(),
  }),
  /** The issuer's signed proof that it authenticated the cardholder (sub = pushAccountId). */
  issuerAuthenticationProof: z.string().min(1),
});
export const MdesPushedFundingAccounts = z.array(MdesPushedFundingAccount).min(1).max(5);

export const MdesPushMultipleAccountsRequest = z.object({
  requestId,
  tokenRequestorId,
  pushFundingAccounts: z.object({
    encryptedPayload: z.union([z.object({ encryptedValue: z.string().min(1) }), MdesFieldLevelPayload]),
  }),
  signatureData: z
    .object({
      callbackURL: z
        .url({ protocol: /^https?$/ })
        .max(256)
        .optional(),
      completeIssuerAppActivation: z.boolean().optional(),
      completeWebsiteActivation: z.boolean().optional(),
      accountHolderDataSupplied: z.boolean().optional(),
      locale: z
        .string()
        .regex(/^[a-z]{2}_[A-Z]{2}$/, 'a locale is like en_US')
        .optional(),
    })
    .default({}),
  requestIssuerInitiatedDigitizationData: z.boolean().default(false),
  pushAccountReceiptsValidityPeriod: z.number().int().default(15),
});

export const MdesPushedAccountResult = z.object({
  pushAccountId: z.string(),
  pushAccountReceipt: z.string().optional(),
  issuerInitiatedDigitizationData: z.string().optional(),
  errors: z.array(MdesError).optional(),
});
export type MdesPushedAccountResult = z.infer<typeof MdesPushedAccountResult>;

export const MdesPushMultipleAccountsResponse = z.object({
  responseId: z.string(),
  pushAccountReceipts: z.array(MdesPushedAccountResult),
  availablePushMethods: z.array(pushMethod),
  /** MDES's JWS over the receipts: handed to the token requestor with the redirect. */
  signature: z.string().optional(),
});

/** What MDES's JWS over the receipts covers. */
export const MdesReceiptSignatureData = z.object({
  pushAccountReceipts: z.array(z.string()),
  callbackURL: z.string().nullable(),
  completeWebsiteActivation: z.boolean(),
  accountHolderDataSupplied: z.boolean(),
  locale: z.string(),
});
export type MdesReceiptSignatureData = z.infer<typeof MdesReceiptSignatureData>;

/** A token requestor's tokenisation with a push account receipt. */
export const MdesTokenizeRequest = z.object({
  requestId,
  tokenRequestorId,
  tokenType: z.enum(['CLOUD', 'EMBEDDED_SE', 'STATIC']).default('CLOUD'),
  fundingAccountInfo: z.object({ pushAccountReceipt: z.string().min(1).max(64) }),
});

/**
 * A token requestor's tokenisation of a card it was given (a wallet's, from the issuer's app): the card
 * encrypted for MDES's key (field-level), `MdesFundingAccountData` inside, and no receipt.
 */
export const MdesTokenizeWithAccountRequest = MdesTokenizeRequest.extend({
  fundingAccountInfo: z.object({ encryptedPayload: MdesFieldLevelPayload }),
});
export type MdesTokenizeWithAccountRequest = z.input<typeof MdesTokenizeWithAccountRequest>;

/** What a tokenisation's `fundingAccountInfo.encryptedPayload` holds. */
export const MdesFundingAccountData = z.object({
  cardAccountData: MdesCardAccountData,
  source: z.enum(['ACCOUNT_ON_FILE', 'CARD_ON_FILE', 'CARD_ADDED_MANUALLY', 'CARD_ADDED_VIA_APPLICATION']).optional(),
});
export type MdesFundingAccountData = z.infer<typeof MdesFundingAccountData>;

/** Before it tokenises, what a token requestor may learn of the card behind a receipt. */
export const MdesCheckEligibilityRequest = MdesTokenizeRequest.omit({ tokenType: true });

const accountExpiry = z.object({ month: z.string(), year: z.string() });

export const MdesCheckEligibilityResponse = z.object({
  responseId: z.string(),
  eligibilityReceipt: z.object({ value: z.string(), validUntil: z.string() }),
  applicableCardInfo: z.object({ isSecurityCodeApplicable: z.boolean() }),
  accountPanSuffix: z.string(),
  accountExpiry,
});

export const MdesTokenizeResponse = z.object({
  responseId: z.string(),
  decision: issuerDecision,
  decisionReason: z.string().optional(),
  tokenUniqueReference: z.string().optional(),
  panUniqueReference: z.string().optional(),
  tokenDetail: z.object({ status: tokenStatus, statusTimestamp: z.string() }).optional(),
  tokenInfo: z.object({
    accountPanSuffix: z.string(),
    accountExpiry,
    tokenPanSuffix: z.string().optional(),
    productCategory: z.string(),
  }),
});
