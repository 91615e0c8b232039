/**
 * What each wallet handed the issuer when it onboarded, each wallet saying what it needs: Apple the root
 * certificates PassKit's device certificates chain to; Google the OpenPGP keys its own OPC is encrypted to,
 * beside the issuer's key that signs it; Samsung nothing of its own; each its token requestor id on each
 * card network. One JSON document
 * per deployment, from an environment variable or a file (the sandbox writes one for its simulated
 * wallets); a wallet absent from it is not offered.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { cardNetworks, type CardNetwork } from '../../domain/enrollment.js';
import type { Wallet } from '../../domain/wallets.js';
import { tokenRequestorId } from '../networks/message-fields.js';
import { readGoogleOpcKeys, type GoogleOpcSealingKeys } from '../wallets/google-pay/google-opc.js';

const pem = z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'expected a PEM certificate' });
const armored = (block: 'PUBLIC' | 'PRIVATE') =>
  z
    .string()
    .max(64 * 1024)
    .includes(`-----BEGIN PGP ${block} KEY BLOCK-----`, {
      message: `expected an armored OpenPGP ${block.toLowerCase()} key`,
    });

/** The wallet's token requestor on each network that serves it. */
const tokenRequestorIds = z.partialRecord(z.enum(cardNetworks), tokenRequestorId);
/** Where the issuer's web page opens the wallet's web window (web push); none: the page does not offer it. */
const webWindowUrl = z.url({ protocol: /^https?$/ }).optional();

const ApplePayOnboarding = z.object({
  /** The roots a device certificate chain must end at; several while one is rotated. */
  trustedRoots: z.array(pem).min(1).max(10),
  webWindowUrl,
  tokenRequestorIds,
});

const GooglePayOnboarding = z.object({
  /** Google's OpenPGP public keys for the `googleOpc`; newest last, the one sealed to (the older while rotated out). */
  opcEncryptionKeys: z.array(armored('PUBLIC')).min(1).max(10),
  /** The issuer's OpenPGP signing key (armored, not passphrase-locked), whose public half Google holds. */
  issuerOpcSigningKey: armored('PRIVATE'),
  /** Where the issuer's server notifies Google of a web push (`.../pushProvisioningNotification`), and as whom. */
  webPushProvisioning: z
    .strictObject({
      notificationUrl: z.url({ protocol: /^https?$/ }),
      integratorId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected letters, digits, _ and -'),
    })
    .optional(),
  webWindowUrl,
  tokenRequestorIds,
});

/** Samsung Pay takes the networks' own payloads: what it hands the issuer is its token requestor at each. */
const SamsungPayOnboarding = z.object({ webWindowUrl, tokenRequestorIds });

export const WalletCredentialsSchema = z.strictObject({
  APPLE_PAY: ApplePayOnboarding.optional(),
  GOOGLE_PAY: GooglePayOnboarding.optional(),
  SAMSUNG_PAY: SamsungPayOnboarding.optional(),
});
export type WalletCredentialsDocument = z.input<typeof WalletCredentialsSchema>;

export class InvalidWalletCredentialsError extends Error {
  override name = 'InvalidWalletCredentialsError';
}

export interface ApplePayOnboardingKeys {
  wallet: 'APPLE_PAY';
  trustedRoots: X509Certificate[];
  webWindowUrl?: string;
  tokenRequestorIds: Partial<Record<CardNetwork, string>>;
}

export interface GooglePayOnboardingKeys {
  wallet: 'GOOGLE_PAY';
  /** Read once (OpenPGP keys are read asynchronously); `load` reads them at start, so a bad key fails there. */
  opcKeys(): Promise<GoogleOpcSealingKeys>;
  /** Web push: where to notify, when this issuer is onboarded for it. */
  webPush?: { notificationUrl: string; integratorId: string };
  webWindowUrl?: string;
  tokenRequestorIds: Partial<Record<CardNetwork, string>>;
}

export interface SamsungPayOnboardingKeys {
  wallet: 'SAMSUNG_PAY';
  webWindowUrl?: string;
  tokenRequestorIds: Partial<Record<CardNetwork, string>>;
}

export type WalletOnboardingKeys = ApplePayOnboardingKeys | GooglePayOnboardingKeys | SamsungPayOnboardingKeys;
/** One wallet's onboarding (never, for a wallet this document cannot hold yet). */
export type OnboardingOf<W extends Wallet> = Extract<WalletOnboardingKeys, { wallet: W }>;

export class WalletCredentials {
  private constructor(private readonly byWallet: Map<Wallet, WalletOnboardingKeys>) {}

  /** The wallet's onboarding, or undefined when this deployment does not offer it. */
  of<W extends Wallet>(wallet: W): OnboardingOf<W> | undefined {
    return this.byWallet.get(wallet) as OnboardingOf<W> | undefined;
  }

  /** The wallets onboarded. */
  all(): WalletOnboardingKeys[] {
    return [...this.byWallet.values()];
  }

  /** The wallet's token requestor on the card's network, when it has one. */
  tokenRequestorId(wallet: Wallet, network: CardNetwork): string | undefined {
    return this.byWallet.get(wallet)?.tokenRequestorIds[network];
  }

  static none(): WalletCredentials {
    return new WalletCredentials(new Map());
  }

  static parse(document: unknown, source = 'the wallet credentials'): WalletCredentials {
    const parsed = WalletCredentialsSchema.safeParse(document);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new InvalidWalletCredentialsError(`${source} are invalid: ${problems.join('; ')}`);
    }
    const byWallet = new Map<Wallet, WalletOnboardingKeys>();
    const apple = parsed.data.APPLE_PAY;
    if (apple) {
      try {
        byWallet.set('APPLE_PAY', {
          wallet: 'APPLE_PAY',
          trustedRoots: apple.trustedRoots.map((certificate) => new X509Certificate(certificate)),
          ...(apple.webWindowUrl && { webWindowUrl: apple.webWindowUrl }),
          tokenRequestorIds: apple.tokenRequestorIds,
        });
      } catch {
        throw new InvalidWalletCredentialsError(`${source} hold a root certificate of APPLE_PAY that does not load`);
      }
    }
    const google = parsed.data.GOOGLE_PAY;
    if (google) {
      let read: Promise<GoogleOpcSealingKeys> | undefined;
      byWallet.set('GOOGLE_PAY', {
        wallet: 'GOOGLE_PAY',
        opcKeys: () =>
          (read ??= readGoogleOpcKeys({
            googleEncryptionKeys: google.opcEncryptionKeys,
            issuerSigningKey: google.issuerOpcSigningKey,
          }).catch((error: unknown) => {
            throw new InvalidWalletCredentialsError(
              `${source} hold an OpenPGP key of GOOGLE_PAY that does not load (${error instanceof Error ? error.message : 'unreadable'})`,
            );
          })),
        ...(google.webPushProvisioning && { webPush: google.webPushProvisioning }),
        ...(google.webWindowUrl && { webWindowUrl: google.webWindowUrl }),
        tokenRequestorIds: google.tokenRequestorIds,
      });
    }
    const samsung = parsed.data.SAMSUNG_PAY;
    if (samsung) {
      byWallet.set('SAMSUNG_PAY', {
        wallet: 'SAMSUNG_PAY',
        ...(samsung.webWindowUrl && { webWindowUrl: samsung.webWindowUrl }),
        tokenRequestorIds: samsung.tokenRequestorIds,
      });
    }
    return new WalletCredentials(byWallet);
  }

  /** Reads the keys that are read asynchronously, so that a key that does not load fails now. */
  async check(): Promise<WalletCredentials> {
    for (const onboarding of this.byWallet.values()) {
      if (onboarding.wallet === 'GOOGLE_PAY') await onboarding.opcKeys();
    }
    return this;
  }

  /** From the JSON of an environment variable, or else a file; no file means no wallet is offered. */
  static async load(from: { json?: string; file: string }): Promise<WalletCredentials> {
    if (from.json) return WalletCredentials.parse(parseJson(from.json, 'PUSHPROV_WALLET_CREDENTIALS')).check();
    let text: string;
    try {
      text = await readFile(from.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return WalletCredentials.none();
      throw new InvalidWalletCredentialsError(`${from.file} cannot be read`);
    }
    return WalletCredentials.parse(parseJson(text, from.file), from.file).check();
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidWalletCredentialsError(`${source} is not JSON`);
  }
}
