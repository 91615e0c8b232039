/**
 * The issuer's key store, in one place: its own signing keys (authentication proofs; published as a JWKS,
 * rotated with an overlap), its symmetric vault keys (cards, fingerprints, one-time codes) and what the
 * networks handed it (their encryption keys by kid, the public
 * keys that verify their receipts and callbacks, its API credentials). Loaded from files, or the network
 * part from the environment; development keys are generated at first start, never committed. With a
 * PKCS#11 token (an HSM), the issuer's secret and private keys are in the token instead, and only used
 * through it (pkcs11/); the networks' public material stays in their document.
 */
import path from 'node:path';
import type { JWK } from 'jose';
import { IssuerSigningKeys } from './issuer-signing-keys.js';
import type { EncryptionKeyRing, VaultKeySet } from './key-handles.js';
import { NetworkCredentials } from './network-credentials.js';
import type { Pkcs11Keys } from './pkcs11/pkcs11-key-store.js';
import { pkcs11SettingsFrom, type Pkcs11Environment, type Pkcs11Settings } from './pkcs11/pkcs11-settings.js';
import type { Pkcs11Token } from './pkcs11/pkcs11-token.js';
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
  /** Create a first signing key when there is none (not in production; never in a token, see generateIssuerKeys). */
  generateIfMissing: boolean;
  /** The token that holds the issuer's keys (PUSHPROV_KEY_STORE=pkcs11); the files of `keysDir` otherwise. */
  pkcs11?: Pkcs11Settings;
}

/** The token's settings when the environment puts the keys in one (PUSHPROV_KEY_STORE=pkcs11). */
export async function pkcs11SettingsOf(
  env: Pkcs11Environment & { PUSHPROV_KEY_STORE: 'file' | 'pkcs11' },
): Promise<Pkcs11Settings | undefined> {
  return env.PUSHPROV_KEY_STORE === 'pkcs11' ? pkcs11SettingsFrom(env) : undefined;
}

export class IssuerKeyStore {
  private constructor(
    readonly signing: IssuerSigningKeys,
    readonly networks: NetworkCredentials,
    readonly vault: VaultKeySet,
    /** Encrypts Temporal payloads (activities/crypto/payload-codec.ts). */
    readonly payload: EncryptionKeyRing,
    /** What the wallets handed the issuer: their roots of trust and token requestor ids. */
    readonly wallets: WalletCredentials,
    private readonly token?: Pkcs11Token,
  ) {}

  static async open(sources: KeyStoreSources): Promise<IssuerKeyStore> {
    if (sources.pkcs11) return IssuerKeyStore.openInToken(sources, sources.pkcs11);
    const [signing, networks, vault, payload, wallets] = await Promise.all([
      IssuerSigningKeys.open(path.join(sources.keysDir, 'issuer-signing'), {
        generateIfMissing: sources.generateIfMissing,
      }),
      NetworkCredentials.load(networkCredentialsOf(sources)),
      VaultKeys.open(path.join(sources.keysDir, 'vault'), { generateIfMissing: sources.generateIfMissing }),
      SymmetricKeyRing.open(path.join(sources.keysDir, 'payload'), { generateIfMissing: sources.generateIfMissing }),
      walletCredentialsOf(sources),
    ]);
    return new IssuerKeyStore(signing, networks, vault, payload, wallets);
  }

  private static async openInToken(sources: KeyStoreSources, settings: Pkcs11Settings): Promise<IssuerKeyStore> {
    const { token, keys } = await openToken(settings);
    try {
      const [networks, wallets] = await Promise.all([
        NetworkCredentials.load(networkCredentialsOf(sources), keys.network),
        walletCredentialsOf(sources),
      ]);
      return new IssuerKeyStore(keys.signing, networks, keys.vault, keys.payload, wallets, token);
    } catch (error) {
      await token.close();
      throw error;
    }
  }

  /** Lets go of the token, when the keys are in one; nothing to do for files. */
  async close(): Promise<void> {
    await this.token?.close();
  }

  /** The issuer's public signing keys still valid now, for `/.well-known/jwks.json`. */
  jwks(now?: Date): { keys: JWK[] } {
    return this.signing.jwks(now);
  }
}

function networkCredentialsOf(sources: KeyStoreSources): { json?: string; file: string } {
  return {
    ...(sources.networkCredentialsJson && { json: sources.networkCredentialsJson }),
    file: sources.networkCredentialsFile,
  };
}

function walletCredentialsOf(sources: KeyStoreSources): Promise<WalletCredentials> {
  return WalletCredentials.load({
    ...(sources.walletCredentialsJson && { json: sources.walletCredentialsJson }),
    file:
      sources.walletCredentialsFile ??
      path.join(path.dirname(sources.networkCredentialsFile), walletCredentialsFileName),
  });
}

/** The token and the keys it holds; the PKCS#11 modules load only here, so the file store never needs them. */
async function openToken(settings: Pkcs11Settings): Promise<{ token: Pkcs11Token; keys: Pkcs11Keys }> {
  const [{ Pkcs11Token }, { openPkcs11Keys }] = await Promise.all([
    import('./pkcs11/pkcs11-token.js'),
    import('./pkcs11/pkcs11-key-store.js'),
  ]);
  const token = Pkcs11Token.open(settings);
  try {
    return { token, keys: await openPkcs11Keys(token, { rsaOaep: settings.rsaOaep }) };
  } catch (error) {
    await token.close();
    throw error;
  }
}

/** The payload keys alone (the codec server's), from the token or the files. */
export async function openPayloadKeys(
  sources: Pick<KeyStoreSources, 'keysDir' | 'generateIfMissing' | 'pkcs11'>,
): Promise<{ payload: EncryptionKeyRing; close(): Promise<void> }> {
  if (!sources.pkcs11) {
    const payload = await SymmetricKeyRing.open(path.join(sources.keysDir, 'payload'), {
      generateIfMissing: sources.generateIfMissing,
    });
    return { payload, close: () => Promise.resolve() };
  }
  const { token, keys } = await openToken(sources.pkcs11);
  return { payload: keys.payload, close: () => token.close() };
}

/**
 * Creates the issuer's own keys that are missing (signing, vault, payload): what a deployment's setup
 * runs once, into the folder its processes then open, or into its token. Processes never generate in a
 * token: two starting at once would each make a key of a purpose, and each encrypt under its own.
 * In a token, the issuer's keys facing the networks are made too; their public halves go to the networks'
 * portals (`npm run keys:hsm -- public-keys`). Network credentials are not the issuer's to make.
 */
export async function generateIssuerKeys(keysDir: string, pkcs11?: Pkcs11Settings): Promise<string[]> {
  if (pkcs11) {
    const [{ Pkcs11Token }, { generateMissingPkcs11Keys }] = await Promise.all([
      import('./pkcs11/pkcs11-token.js'),
      import('./pkcs11/pkcs11-key-generation.js'),
    ]);
    const token = Pkcs11Token.open(pkcs11);
    try {
      return (await generateMissingPkcs11Keys(token, { rsaOaep: pkcs11.rsaOaep })).map((key) => key.label);
    } finally {
      await token.close();
    }
  }
  await IssuerSigningKeys.open(path.join(keysDir, 'issuer-signing'), { generateIfMissing: true });
  await VaultKeys.open(path.join(keysDir, 'vault'), { generateIfMissing: true });
  await SymmetricKeyRing.open(path.join(keysDir, 'payload'), { generateIfMissing: true });
  return [];
}
