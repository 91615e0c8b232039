/**
 * The issuer's key store, in one place: its own signing keys (authentication proofs; published as a JWKS,
 * rotated with an overlap), its symmetric vault keys (cards, fingerprints, one-time codes) and what the
 * networks handed it (their encryption keys by kid, the public
 * keys that verify their receipts and callbacks, its API credentials). Loaded from files, or the network
 * part from the environment; development keys are generated at first start, never committed.
 */
import path from 'node:path';
import type { JWK } from 'jose';
import { IssuerSigningKeys } from './issuer-signing-keys.js';
import { NetworkCredentials } from './network-credentials.js';
import { SymmetricKeyRing } from './symmetric-key-ring.js';
import { VaultKeys } from './vault-keys.js';
import { WalletCredentials } from './wallet-credentials.js';

/** Where the sandbox writes its wallets' credentials, beside the networks' (and where the engine looks by default). */
export const walletCredentialsFileName = 'wallet-credentials.json';

export interface KeyStoreSources {
  /** Holds `issuer-signing/` (manifest and PKCS#8 files). */
  keysDir: string;
  /** NetworkCredentials as JSON (an environment variable), preferred to the file. */
  networkCredentialsJson?: string;
  networkCredentialsFile: string;
  /** WalletCredentials as JSON, preferred to the file; the file defaults to `wallet-credentials.json` beside the network credentials. */
  walletCredentialsJson?: string;
  walletCredentialsFile?: string;
  /** Create a first signing key when there is none (not in production). */
  generateIfMissing: boolean;
}

export class IssuerKeyStore {
  private constructor(
    readonly signing: IssuerSigningKeys,
    readonly networks: NetworkCredentials,
    readonly vault: VaultKeys,
    /** Encrypts Temporal payloads (activities/crypto/payload-codec.ts). */
    readonly payload: SymmetricKeyRing,
    /** What the wallets handed the issuer: their roots of trust and token requestor ids. */
    readonly wallets: WalletCredentials,
  ) {}

  static async open(sources: KeyStoreSources): Promise<IssuerKeyStore> {
    const [signing, networks, vault, payload, wallets] = await Promise.all([
      IssuerSigningKeys.open(path.join(sources.keysDir, 'issuer-signing'), {
        generateIfMissing: sources.generateIfMissing,
      }),
      NetworkCredentials.load({
        ...(sources.networkCredentialsJson && { json: sources.networkCredentialsJson }),
        file: sources.networkCredentialsFile,
      }),
      VaultKeys.open(path.join(sources.keysDir, 'vault'), { generateIfMissing: sources.generateIfMissing }),
      SymmetricKeyRing.open(path.join(sources.keysDir, 'payload'), { generateIfMissing: sources.generateIfMissing }),
      WalletCredentials.load({
        ...(sources.walletCredentialsJson && { json: sources.walletCredentialsJson }),
        file:
          sources.walletCredentialsFile ??
          path.join(path.dirname(sources.networkCredentialsFile), walletCredentialsFileName),
      }),
    ]);
    return new IssuerKeyStore(signing, networks, vault, payload, wallets);
  }

  /** The issuer's public signing keys still valid now, for `/.well-known/jwks.json`. */
  jwks(now?: Date): { keys: JWK[] } {
    return this.signing.jwks(now);
  }
}

/**
 * Creates the issuer's own keys that are missing (signing, vault, payload): what a deployment's setup
 * runs once, into the folder its processes then open. Network credentials are not the issuer's to make.
 */
export async function generateIssuerKeys(keysDir: string): Promise<void> {
  await IssuerSigningKeys.open(path.join(keysDir, 'issuer-signing'), { generateIfMissing: true });
  await VaultKeys.open(path.join(keysDir, 'vault'), { generateIfMissing: true });
  await SymmetricKeyRing.open(path.join(keysDir, 'payload'), { generateIfMissing: true });
}
