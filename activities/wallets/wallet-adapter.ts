/**
 * What the engine asks of one wallet, written once per wallet in its own folder (apple-pay/, google-pay/)
 * and listed in registry.ts: how its token requestor is reached, how its device material is checked, how
 * one provisioning is told apart from another, and the payload the issuer's app hands it. Nothing outside a
 * wallet's folder asks which wallet it is.
 */
import type { CustomerProfile } from '../../db/customer-profiles.js';
import type { CardDetails } from '../../domain/card-number.js';
import type { PushMethod } from '../../domain/enrollment.js';
import type {
  Wallet,
  WalletDeviceMaterial,
  WalletPayload,
  WalletRefusalReason,
  WebWalletSession,
} from '../../domain/wallets.js';
import type { IssuerSigningKeys } from '../keys/issuer-signing-keys.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import type { WalletOnboardingKeys } from '../keys/wallet-credentials.js';
import type { CardNetworkAdapter } from '../networks/card-network.js';

export interface WalletAdapter {
  id: Wallet;
  /** The wallet as a consumer knows it ("Apple Pay"), in refusals. */
  brand: string;
  /** The push method its token requestor is listed with (the app's platform): eligibility checks it. */
  pushMethod: PushMethod;
  /**
   * Checks the device material against what the wallet handed the issuer; throws WalletRequestRefused
   * (domain/wallets.ts) saying what is wrong. Pure: the API checks before anything is written, the
   * activity again before the card is revealed.
   */
  verifyDevice(device: WalletDeviceMaterial, onboarding: WalletOnboardingKeys, now: Date): void;
  /** What makes one provisioning this wallet's one: its enrollment's key, and whether the key may be used again. */
  provisioningIdentity(request: { device: WalletDeviceMaterial; cardRef: string }): WalletProvisioningIdentity;
  /**
   * The card encrypted for the wallet (its device, or the wallet and the card's network), with the activation
   * data; for device material `verifyDevice` has accepted (not checked again here).
   */
  payload(request: WalletPayloadRequest): Promise<WalletPayload>;
  /**
   * Once the provisioning is recorded (so that the network's calls find it): what the issuer's server itself
   * must tell the wallet, and the payload the caller gets after it. None for a payload the caller hands on.
   */
  deliver?(payload: WalletPayload, onboarding: WalletOnboardingKeys): Promise<WalletPayload>;
  /** How the wallet takes a card pushed from the issuer's web page (web-push.ts does the rest); none: it does not. */
  webPush?: WebPushMethod;
}

/**
 * ENVELOPE: the issuer's page hands the wallet's web window a JWS envelope (web-push.ts signs it).
 * NOTIFIED: the issuer's server tells the wallet's server (Google's pushProvisioningNotification).
 */
export type WebPushMethod =
  | { method: 'ENVELOPE' }
  | {
      method: 'NOTIFIED';
      /** Whether this onboarding says where to notify; without it, web push is not offered. */
      offered(onboarding: WalletOnboardingKeys): boolean;
      /** The notification sealed for the wallet, built from the network's OPC made for the session. */
      notification(request: WebNotificationRequest): Promise<string>;
      /** Sends it; throws a retryable error when the wallet's server does not take it now. */
      notify(notification: string, onboarding: WalletOnboardingKeys): Promise<void>;
    };

export interface WebNotificationRequest {
  session: WebWalletSession;
  onboarding: WalletOnboardingKeys;
  /** The card's network's opaque payment card, for the session's wallet account and device. */
  opaquePaymentCard: string;
  network: CardNetworkAdapter;
  /** The card as the wallet may show it: the network's brand and last digits. */
  displayName: string;
  lastDigits: string;
  cardholderName: string | undefined;
  holder: CustomerProfile | undefined;
  reference: string;
  now: Date;
}

export interface WalletProvisioningIdentity {
  /** Never card data: derived from the wallet's material (a digest, or ids). */
  key: string;
  /**
   * REJECT_DUPLICATE: the key is good once (a wallet's nonce). ALLOW_DUPLICATE: a new enrollment may take
   * the key once the last one ended; while one runs, it answers a second request with `alreadyAnswered`.
   */
  reusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE';
  alreadyAnswered: WalletRefusalReason;
}

export interface WalletPayloadRequest {
  card: CardDetails;
  device: WalletDeviceMaterial;
  onboarding: WalletOnboardingKeys;
  /** The card's network, whose activation data is below; a wallet may ask it for its own encryption of the card. */
  network: CardNetworkAdapter;
  credentials: NetworkCredentials;
  /** The wallet's token requestor on the card's network. */
  tokenRequestorId: string;
  activationData: string;
  /** The wallet provisioning's reference (never card data): how the network's calls find it. */
  reference: string;
  /** The customer's profile, when the issuer keeps one: a wallet may prefill the cardholder's address. */
  holder: CustomerProfile | undefined;
  /** The issuer's signing keys: a web push envelope is signed with the current one. */
  signing: IssuerSigningKeys;
  now: Date;
}
