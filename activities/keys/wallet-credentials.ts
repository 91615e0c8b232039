/**
 * What each wallet handed the issuer when it onboarded: the root certificates its device certificates
 * chain to (Apple's, for PassKit's), and its token requestor id on each card network. One JSON document
 * per deployment, from an environment variable or a file (the sandbox writes one for its simulated
 * wallets); a wallet absent from it is not offered.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { cardNetworks, type CardNetwork } from '../../domain/enrollment.js';
import { wallets, type Wallet } from '../../domain/wallets.js';
import { tokenRequestorId } from '../networks/message-fields.js';

const pem = z.string().includes('-----BEGIN CERTIFICATE-----', { message: 'expected a PEM certificate' });

const WalletOnboarding = z.object({
  /** The roots a device certificate chain must end at; several while one is rotated. */
  trustedRoots: z.array(pem).min(1).max(10),
  /** The wallet's token requestor on each network that serves it. */
  tokenRequestorIds: z.partialRecord(z.enum(cardNetworks), tokenRequestorId),
});

export const WalletCredentialsSchema = z.partialRecord(z.enum(wallets), WalletOnboarding);
export type WalletCredentialsDocument = z.input<typeof WalletCredentialsSchema>;

export class InvalidWalletCredentialsError extends Error {
  override name = 'InvalidWalletCredentialsError';
}

export interface WalletOnboardingKeys {
  trustedRoots: X509Certificate[];
  tokenRequestorIds: Partial<Record<CardNetwork, string>>;
}

export class WalletCredentials {
  private constructor(private readonly byWallet: Map<Wallet, WalletOnboardingKeys>) {}

  /** The wallet's onboarding, or undefined when this deployment does not offer it. */
  of(wallet: Wallet): WalletOnboardingKeys | undefined {
    return this.byWallet.get(wallet);
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
    for (const [wallet, onboarding] of Object.entries(parsed.data) as [Wallet, z.output<typeof WalletOnboarding>][]) {
      try {
        byWallet.set(wallet, {
          trustedRoots: onboarding.trustedRoots.map((certificate) => new X509Certificate(certificate)),
          tokenRequestorIds: onboarding.tokenRequestorIds,
        });
      } catch {
        throw new InvalidWalletCredentialsError(`${source} hold a root certificate of ${wallet} that does not load`);
      }
    }
    return new WalletCredentials(byWallet);
  }

  /** From the JSON of an environment variable, or else a file; no file means no wallet is offered. */
  static async load(from: { json?: string; file: string }): Promise<WalletCredentials> {
    if (from.json) return WalletCredentials.parse(parseJson(from.json, 'PUSHPROV_WALLET_CREDENTIALS'));
    let text: string;
    try {
      text = await readFile(from.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return WalletCredentials.none();
      throw new InvalidWalletCredentialsError(`${from.file} cannot be read`);
    }
    return WalletCredentials.parse(parseJson(text, from.file), from.file);
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidWalletCredentialsError(`${source} is not JSON`);
  }
}
