/**
 * Wallet provisioning ("Add to Apple Wallet", "Add to Google Pay", "Add to Samsung Pay" from the issuer's app): the wallets the
 * engine serves, what their device SDKs hand the issuer's app, and why such a request is refused. Card data
 * never appears here: a request names a card by its vault id, and the wallet's device material
 * (certificates, nonces, wallet account and device ids) is no card data.
 */
import type { CardNetwork } from './enrollment.js';

export const wallets = ['APPLE_PAY', 'GOOGLE_PAY', 'SAMSUNG_PAY'] as const;
export type Wallet = (typeof wallets)[number];

/** The devices an issuer's app provisions from (Marqeta's device_type). */
export const inAppDeviceTypes = ['MOBILE_PHONE', 'WATCH', 'TABLET'] as const;
/** Those, and the browser a web push provisioning runs in. */
export const walletDeviceTypes = [...inAppDeviceTypes, 'BROWSER'] as const;
export type WalletDeviceType = (typeof walletDeviceTypes)[number];

/** PassKit's `PKEncryptionScheme`: the payload for the leaf certificate's EC key, or for its RSA key. */
export const passKitSchemes = ['ECC_V2', 'RSA_V2'] as const;
export type PassKitScheme = (typeof passKitSchemes)[number];

/**
 * Why a wallet's device material is refused: each a 4xx naming what is wrong (never a value sent), before
 * anything is written.
 */
export const WalletRefusalReason = {
  /** Not DER certificates, not two of them (leaf then sub-CA), or not what they say they are. */
  CertificateChainMalformed: 'CERTIFICATE_CHAIN_MALFORMED',
  /** The leaf is not signed by the sub-CA, or the sub-CA by a wallet root the engine trusts. */
  CertificateNotTrusted: 'CERTIFICATE_NOT_TRUSTED',
  /** A certificate of the chain is past its validity, or not yet valid. */
  CertificateNotValidNow: 'CERTIFICATE_NOT_VALID_NOW',
  /** A certificate may not be used so: a sub-CA that is no CA, a leaf key that may not agree or wrap keys, or sign. */
  CertificateKeyUsage: 'CERTIFICATE_KEY_USAGE',
  /** The leaf's key is not the kind the scheme needs (EC P-256 for ECC_V2, RSA for RSA_V2). */
  SchemeKeyMismatch: 'SCHEME_KEY_MISMATCH',
  /** The nonce signature does not verify with the leaf's key over this nonce. */
  NonceSignatureInvalid: 'NONCE_SIGNATURE_INVALID',
  /** This nonce was already answered: a wallet's nonce is good for one payload. */
  NonceReplayed: 'NONCE_REPLAYED',
  /** The device material is not the wallet's kind, or its ids are not ids. */
  DeviceMaterialMalformed: 'DEVICE_MATERIAL_MALFORMED',
  /** A provisioning of this card to this wallet account and device is under way: it answers once. */
  ProvisioningInProgress: 'PROVISIONING_IN_PROGRESS',
  /** This wallet's web session was already answered: a session is good for one card's payload. */
  WebSessionReplayed: 'WEB_SESSION_REPLAYED',
  /** The wallet takes no web push from this issuer (its onboarding holds nothing for it). */
  WebPushNotOffered: 'WEB_PUSH_NOT_OFFERED',
} as const;
export type WalletRefusalReason = (typeof WalletRefusalReason)[keyof typeof WalletRefusalReason];

/** A wallet's device material refused; the message names what is wrong and quotes nothing sent. */
export class WalletRequestRefused extends Error {
  override name = 'WalletRequestRefused';
  constructor(
    readonly reason: WalletRefusalReason,
    message: string,
  ) {
    super(message);
  }
}

/** What PassKit handed the issuer's app (`PKAddPaymentPassViewControllerDelegate`), as the app sends it: base64. */
export interface ApplePayDeviceMaterial {
  /** DER X.509 certificates, leaf first, then the sub-CA. */
  certificates: string[];
  nonce: string;
  nonceSignature: string;
  encryptionScheme: PassKitScheme;
}

/**
 * What TapAndPay told the issuer's app (`getActiveWalletId`, `getStableHardwareId`): the wallet account and
 * the device the card goes to. Ids, bounded by the API's schema; never card data.
 */
export interface GooglePayDeviceMaterial {
  walletAccountId: string;
  deviceId: string;
}

/** TapAndPay's ids, as opaque as Google keeps them: up to 128 characters of a URL- and base64-safe alphabet. */
export const googlePayIdPattern = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/**
 * What Samsung Pay's SDK told the issuer's app (`SamsungPay.getWalletInfo`: WALLET_USER_ID, DEVICE_ID): the
 * wallet user and the device the card goes to, as opaque as TapAndPay's ids and bounded alike.
 */
export interface SamsungPayDeviceMaterial {
  walletUserId: string;
  deviceId: string;
}

/**
 * Web push provisioning: the session the wallet's web window opened for the cardholder (Google's
 * `onSessionCreated`: serverSessionId, publicWalletId, publicDeviceId; the issuer's own clientSessionId), the
 * same for each wallet. Ids, bounded by the API's schema; never card data.
 */
export interface WebWalletSession {
  sessionId: string;
  walletAccountId: string;
  deviceId: string;
  clientSessionId?: string;
}

/** The wallet's device material one provisioning answers; one kind per wallet, or its web window's session. */
export type WalletDeviceMaterial =
  | { wallet: 'APPLE_PAY'; applePay: ApplePayDeviceMaterial }
  | { wallet: 'GOOGLE_PAY'; googlePay: GooglePayDeviceMaterial }
  | { wallet: 'SAMSUNG_PAY'; samsungPay: SamsungPayDeviceMaterial }
  | { wallet: Wallet; web: WebWalletSession };

/** PassKit's `PKAddPaymentPassRequest`, as the issuer's app hands it to PassKit: base64. */
export interface ApplePayPayload {
  encryptedPassData: string;
  activationData: string;
  /** ECC_V2 */
  ephemeralPublicKey?: string;
  /** RSA_V2 */
  wrappedKey?: string;
}

/** The token service providers as Google's SDKs name them; the app maps them to TapAndPay's constants. */
export const googleTokenServiceProviders = ['TOKEN_PROVIDER_MASTERCARD', 'TOKEN_PROVIDER_VISA'] as const;
export type GoogleTokenServiceProvider = (typeof googleTokenServiceProviders)[number];

/** TapAndPay's `UserAddress`, from the customer's profile; a part the issuer does not know is empty. */
export interface GooglePayUserAddress {
  name: string;
  address1: string;
  address2: string;
  locality: string;
  administrativeArea: string;
  countryCode: string;
  postalCode: string;
  phoneNumber: string;
}

/** What `PushTokenizeRequest` takes, and the Unified Push Provisioning `googleOpc` beside the network's OPC. */
export interface GooglePayPayload {
  /** The network's opaque payment card (base64): the app hands its bytes to `setOpaquePaymentCard`. */
  opaquePaymentCard: string;
  /** The engine's id of the card's network; the app maps it to TapAndPay's `CARD_NETWORK_*`. */
  network: CardNetwork;
  tokenServiceProvider: GoogleTokenServiceProvider;
  displayName: string;
  lastDigits: string;
  userAddress?: GooglePayUserAddress;
  /** The card for Google itself: OpenPGP, signed by the issuer and encrypted to Google's key, base64. */
  googleOpc: string;
}

/** Samsung Pay's `AddCardInfo.PROVIDER_*` codes for the networks it takes. */
export const samsungTokenizationProviders = ['MI', 'VI'] as const;
export type SamsungTokenizationProvider = (typeof samsungTokenizationProviders)[number];

/**
 * What Samsung Pay's `addCard` takes: `AddCardInfo(cardType, tokenizationProvider, cardDetail)`, the card
 * detail's EXTRA_PROVISION_PAYLOAD being the network's opaque payment card (the same public construction as
 * Google Pay's, for this wallet user and device).
 */
export interface SamsungPayPayload {
  cardType: 'CREDIT_DEBIT';
  tokenizationProvider: SamsungTokenizationProvider;
  /** EXTRA_PROVISION_PAYLOAD: the network's opaque payment card (base64 for Mastercard, a compact JWE for Visa). */
  provisionPayload: string;
  network: CardNetwork;
  displayName: string;
  lastDigits: string;
}

/**
 * The envelope the issuer's web page hands the wallet's web window (as processors hand Apple's:
 * `{jws: {header: {kid}, payload, protected, signature}, state}`): a flattened JWS by the issuer's signing key
 * over the card's network OPC for the session's wallet account and device, and the issuer's state, which the
 * wallet gives back.
 */
export interface WebPushEnvelope {
  jws: { header: { kid: string }; payload: string; protected: string; signature: string };
  state: string;
}

/** What a web push provisioning answers the issuer's page: an envelope to hand on, or the wallet notified. */
export type WebPushDelivery =
  { method: 'ENVELOPE'; envelope: WebPushEnvelope } | { method: 'NOTIFIED'; sessionId: string; notification?: string };

/** What the issuer's app hands the wallet: the card encrypted for it, and the issuer's activation data. */
export type WalletPayload =
  | { wallet: 'APPLE_PAY'; applePay: ApplePayPayload }
  | { wallet: 'GOOGLE_PAY'; googlePay: GooglePayPayload }
  | { wallet: 'SAMSUNG_PAY'; samsungPay: SamsungPayPayload }
  | { wallet: Wallet; web: WebPushDelivery };

/** A wallet enrollment: the card goes to the issuer's app for the wallet, not through a redirect. */
export interface WalletDelivery {
  wallet: Wallet;
  deviceType: WalletDeviceType;
}

/** The app's one request of a wallet enrollment: its session's assertion and the wallet's device material. */
export interface ProvisionToWalletRequest {
  assertion: string;
  device: WalletDeviceMaterial;
}

export type WalletProvisioningOutcome =
  | { outcome: 'PAYLOAD'; payload: WalletPayload }
  /** The app session's assertion was refused: the enrollment ends, and the app starts again. */
  | { outcome: 'AUTHENTICATION_REFUSED'; reason: string }
  /** The enrollment ended instead (declined, authentication refused, failed): its status and why. */
  | { outcome: 'ENDED'; status: string; reason: string };
