/**
 * The wallet provisioning route's bodies, one member per wallet: what the app sends (its session's assertion
 * and what the wallet's SDK gave it, strict and bounded; never card data) and what it gets back to hand
 * the wallet.
 */
import { holdsCardNumber } from '../../domain/caller-text.js';
import { z } from 'zod';
import {
  googlePayIdPattern,
  googleTokenServiceProviders,
  passKitSchemes,
  samsungTokenizationProviders,
  wallets,
  inAppDeviceTypes,
} from '../../domain/wallets.js';
import { cardNetworks } from '../../domain/enrollment.js';

/** Standard base64 as the wallets' SDKs give bytes, in its one canonical spelling (padded, no line breaks). */
const base64 = (maxBytes: number) =>
  z
    .string()
    .min(4)
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
    .refine((text) => Buffer.from(text, 'base64').toString('base64') === text, 'must be canonical base64')
    .refine((text) => Buffer.from(text, 'base64').length <= maxBytes, `must be at most ${maxBytes} bytes`);

const compactJws = z
  .string()
  .max(4096)
  .regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'must be a compact JWS');

const ApplePayRequest = z.strictObject({
  wallet: z.literal('APPLE_PAY'),
  deviceType: z.enum(inAppDeviceTypes),
  /** The app session's signed assertion that the customer was strongly authenticated. */
  sessionAssertion: compactJws,
  applePay: z.strictObject({
    certificates: z.array(base64(4096)).min(1).max(4).meta({ description: 'DER, leaf first, then the sub-CA' }),
    nonce: base64(64),
    nonceSignature: base64(1024),
    encryptionScheme: z.enum(passKitSchemes),
  }),
});

/** TapAndPay's ids (and Samsung Pay's alike): opaque, bounded, and never a card number (refused without repeating it). */
const googlePayId = z
  .string()
  .max(128)
  .regex(googlePayIdPattern, 'must be a TapAndPay id')
  .refine((id) => !holdsCardNumber(id), 'must not hold a card number');

const GooglePayRequest = z.strictObject({
  wallet: z.literal('GOOGLE_PAY'),
  deviceType: z.enum(inAppDeviceTypes),
  sessionAssertion: compactJws,
  googlePay: z.strictObject({
    walletAccountId: googlePayId.meta({ description: "TapAndPay's getActiveWalletId" }),
    deviceId: googlePayId.meta({ description: "TapAndPay's getStableHardwareId" }),
  }),
});

const SamsungPayRequest = z.strictObject({
  wallet: z.literal('SAMSUNG_PAY'),
  deviceType: z.enum(inAppDeviceTypes),
  sessionAssertion: compactJws,
  samsungPay: z.strictObject({
    walletUserId: googlePayId.meta({ description: "Samsung Pay's getWalletInfo WALLET_USER_ID" }),
    deviceId: googlePayId.meta({ description: "Samsung Pay's getWalletInfo DEVICE_ID" }),
  }),
});

export const WalletProvisioningRequest = z.discriminatedUnion('wallet', [
  ApplePayRequest,
  GooglePayRequest,
  SamsungPayRequest,
]);

const links = z.object({ self: z.string(), workflow: z.string().optional() });

export const WalletProvisioned = z.discriminatedUnion('wallet', [
  z.object({
    enrollmentId: z.string(),
    wallet: z.literal('APPLE_PAY'),
    applePay: z
      .object({
        encryptedPassData: z.string(),
        activationData: z.string(),
        ephemeralPublicKey: z.string().optional(),
        wrappedKey: z.string().optional(),
      })
      .meta({ description: "PKAddPaymentPassRequest's fields, base64" }),
    links,
  }),
  z.object({
    enrollmentId: z.string(),
    wallet: z.literal('GOOGLE_PAY'),
    googlePay: z
      .object({
        opaquePaymentCard: z.string(),
        network: z.enum(cardNetworks),
        tokenServiceProvider: z.enum(googleTokenServiceProviders),
        displayName: z.string(),
        lastDigits: z.string(),
        userAddress: z
          .object({
            name: z.string(),
            address1: z.string(),
            address2: z.string(),
            locality: z.string(),
            administrativeArea: z.string(),
            countryCode: z.string(),
            postalCode: z.string(),
            phoneNumber: z.string(),
          })
          .optional(),
        googleOpc: z.string(),
      })
      .meta({ description: "PushTokenizeRequest's fields (opaquePaymentCard base64), and the googleOpc" }),
    links,
  }),
  z.object({
    enrollmentId: z.string(),
    wallet: z.literal('SAMSUNG_PAY'),
    samsungPay: z
      .object({
        cardType: z.literal('CREDIT_DEBIT'),
        tokenizationProvider: z.enum(samsungTokenizationProviders),
        provisionPayload: z.string(),
        network: z.enum(cardNetworks),
        displayName: z.string(),
        lastDigits: z.string(),
      })
      .meta({ description: "AddCardInfo's card type and provider, and its EXTRA_PROVISION_PAYLOAD" }),
    links,
  }),
]);

/** What the wallet's web window handed the issuer's page when it opened its session (Google's onSessionCreated). */
export const WebPushProvisioningRequest = z.strictObject({
  wallet: z.enum(wallets),
  sessionAssertion: compactJws,
  session: z.strictObject({
    sessionId: googlePayId.meta({ description: "The wallet's session (Google's serverSessionId)" }),
    walletAccountId: googlePayId.meta({ description: "The wallet account (Google's publicWalletId)" }),
    deviceId: googlePayId.meta({ description: "The device (Google's publicDeviceId)" }),
    clientSessionId: googlePayId.optional().meta({ description: "The issuer page's own session, handed back" }),
  }),
});

export const WebPushProvisioned = z.object({
  enrollmentId: z.string(),
  wallet: z.enum(wallets),
  web: z.discriminatedUnion('method', [
    z
      .object({
        method: z.literal('ENVELOPE'),
        envelope: z.object({
          jws: z.object({
            header: z.object({ kid: z.string() }),
            payload: z.string(),
            protected: z.string(),
            signature: z.string(),
          }),
          state: z.string(),
        }),
      })
      .meta({ description: "Hand the envelope to the wallet's web window: a flattened JWS by the issuer's key" }),
    z
      .object({ method: z.literal('NOTIFIED'), sessionId: z.string() })
      .meta({ description: "The issuer's server notified the wallet; its window goes on" }),
  ]),
  links,
});
