/**
 * What a network hands an issuer when it onboards (a developer portal's downloads): the issuer's own API
 * credentials, the network's encryption keys by kid, and the network's public keys that verify its
 * signatures (receipts, callbacks). One JSON document per deployment, from a file or an environment
 * variable; several keys of a kind may be listed while one is rotated out (newest last).
 */
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { publicKeyFingerprint } from '../crypto/encryption/fingerprints.js';
import { tokenRequestorId } from '../networks/message-fields.js';
import { fileRsaDecryptionKey, fileSigningKey } from './file-key-handles.js';
import type { NetworkPrivateKeys, PrivateSigningKey, RsaDecryptionKey } from './key-handles.js';

/** The encryption profiles a deployment can choose (activities/crypto/encryption/profile-registry.ts). */
export const mdesProfileNames = ['mdes-jwe', 'mdes-field-level'] as const;
export const vtsProfileNames = ['vts-shared-secret-jwe', 'vts-rsa-jwe'] as const;
export type MdesProfileName = (typeof mdesProfileNames)[number];
export type VtsProfileName = (typeof vtsProfileNames)[number];

const pem = z.string().includes('-----BEGIN ', { message: 'expected a PEM document' });
const jwks = z.object({ keys: z.array(z.looseObject({ kid: z.string(), kty: z.string() })).min(1) });

export const NetworkCredentialsSchema = z.object({
  /** Who the issuer is to the networks: the `iss` of its authentication proofs. */
  issuerId: z.string().min(1),
  mdes: z.object({
    baseUrl: z.url(),
    consumerKey: z.string().min(1),
    /** The issuer's OAuth 1.0a signing key (PKCS#8); absent when the key store keeps it in an HSM. */
    signingKeyPem: pem.optional(),
    /** MDES's encryption certificates; the last one encrypts, the kid is the public key's fingerprint. */
    encryptionCertificates: z.array(pem).min(1),
    /** `mdes-jwe` (preferred) or the legacy `mdes-field-level`; a token requestor may be set apart. */
    encryptionProfile: z.enum(mdesProfileNames).default('mdes-jwe'),
    encryptionProfileByTokenRequestor: z.record(tokenRequestorId, z.enum(mdesProfileNames)).default({}),
    /** MDES's public keys: the JWS over receipts, and the OAuth signature of its calls to the issuer. */
    networkJwks: jwks,
    /** The `aud` of authentication proofs sent to MDES. */
    proofAudience: z.string().min(1),
    /**
     * The issuer's own RSA keys (PKCS#8) whose public halves MDES encrypts card data to (a wallet's
     * tokenisation names its card so); picked by the payload's `publicKeyFingerprint`; newest last. With
     * an HSM, these and the TAV key are in the token instead.
     */
    issuerDecryptionKeys: z.array(pem).default([]),
    /** The issuer's RSA key (PKCS#8) that signs Mastercard's Tokenization Authentication Values, when it has one. */
    tavSigningKeyPem: pem.optional(),
  }),
  vts: z.object({
    baseUrl: z.url(),
    apiKey: z.string().min(1),
    /** x-pay-token and shared-secret JWE secrets; the last one signs, all verify (rotation). */
    sharedSecrets: z.array(z.string().min(16)).min(1),
    /** Visa's RSA encryption keys, by the kid Visa assigned; the last one encrypts. */
    encryptionKeys: z.array(z.object({ kid: z.string().min(1), publicKeyPem: pem })).min(1),
    /** `vts-shared-secret-jwe` or `vts-rsa-jwe`; a token requestor may be set apart. */
    encryptionProfile: z.enum(vtsProfileNames).default('vts-shared-secret-jwe'),
    encryptionProfileByTokenRequestor: z.record(tokenRequestorId, z.enum(vtsProfileNames)).default({}),
    /** Visa's public keys: the JWS around its notifications to the issuer. */
    networkJwks: jwks,
    proofAudience: z.string().min(1),
  }),
});
export type NetworkCredentialsDocument = z.input<typeof NetworkCredentialsSchema>;
type Parsed = z.output<typeof NetworkCredentialsSchema>;

export class InvalidNetworkCredentialsError extends Error {
  override name = 'InvalidNetworkCredentialsError';
}

/** One of the issuer's own decryption keys, as a network names it (MDES: the public key's fingerprint). */
export interface IssuerDecryptionKey {
  kid: string;
  privateKey: RsaDecryptionKey;
  publicKey: KeyObject;
}

export interface NetworkEncryptionKey {
  kid: string;
  publicKey: KeyObject;
  certificatePem?: string;
}

/** The parsed document, with keys imported and indexed by kid. */
export class NetworkCredentials {
  readonly issuerId: string;
  readonly mdes: Parsed['mdes'] & { signingKey: PrivateSigningKey; tavSigningKey?: PrivateSigningKey };
  readonly vts: Parsed['vts'];
  private readonly encryptionKeys: { mdes: NetworkEncryptionKey[]; vts: NetworkEncryptionKey[] };
  private readonly issuerDecryptionKeys: { mdes: IssuerDecryptionKey[] };

  private constructor(document: Parsed, inToken?: NetworkPrivateKeys) {
    this.issuerId = document.issuerId;
    const keys = inToken ?? privateKeysOf(document);
    if (!keys.mdesOAuthSigning) {
      throw new TypeError("mdes.signingKeyPem is required (or the MDES OAuth signing key in the key store's HSM)");
    }
    this.mdes = {
      ...document.mdes,
      signingKey: keys.mdesOAuthSigning,
      ...(keys.mdesTavSigning && { tavSigningKey: keys.mdesTavSigning }),
    };
    this.issuerDecryptionKeys = {
      mdes: keys.mdesIssuerDecryption.map((privateKey) => ({
        kid: publicKeyFingerprint(privateKey.publicKey),
        privateKey,
        publicKey: privateKey.publicKey,
      })),
    };
    this.vts = document.vts;
    this.encryptionKeys = {
      mdes: document.mdes.encryptionCertificates.map((certificatePem) => {
        const publicKey = new X509Certificate(certificatePem).publicKey;
        return { kid: publicKeyFingerprint(publicKey), publicKey, certificatePem };
      }),
      vts: document.vts.encryptionKeys.map(({ kid, publicKeyPem }) => ({
        kid,
        publicKey: createPublicKey(publicKeyPem),
      })),
    };
  }

  /** The profile that encrypts card data for a token requestor on a network. */
  encryptionProfileFor(network: 'mdes', tokenRequestorId: string): MdesProfileName;
  encryptionProfileFor(network: 'vts', tokenRequestorId: string): VtsProfileName;
  encryptionProfileFor(network: 'mdes' | 'vts', tokenRequestorId: string): MdesProfileName | VtsProfileName {
    const settings = this[network];
    return settings.encryptionProfileByTokenRequestor[tokenRequestorId] ?? settings.encryptionProfile;
  }

  /** The key that encrypts now for a network: the newest listed. */
  currentEncryptionKey(network: 'mdes' | 'vts'): NetworkEncryptionKey {
    return this.encryptionKeys[network].at(-1)!;
  }

  /** A network encryption key by its kid, while it is listed. */
  encryptionKey(network: 'mdes' | 'vts', kid: string): NetworkEncryptionKey | undefined {
    return this.encryptionKeys[network].find((key) => key.kid === kid);
  }

  /** The issuer's decryption key a network's payload names (MDES: by `publicKeyFingerprint`), while it is listed. */
  issuerDecryptionKey(network: 'mdes', kid: string): IssuerDecryptionKey | undefined {
    return this.issuerDecryptionKeys[network].find((key) => key.kid === kid);
  }

  /** The newest of the issuer's decryption keys for a network (the one it should encrypt to), if it has any. */
  currentIssuerDecryptionKey(network: 'mdes'): IssuerDecryptionKey | undefined {
    return this.issuerDecryptionKeys[network].at(-1);
  }

  /**
   * With `inToken`, the issuer's private keys come from the key store's HSM, and a document that holds one of
   * them as PEM is refused: a key must not live in a file beside its HSM copy.
   */
  static parse(
    document: unknown,
    source = 'the network credentials',
    inToken?: NetworkPrivateKeys,
  ): NetworkCredentials {
    const parsed = NetworkCredentialsSchema.safeParse(document);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
      throw new InvalidNetworkCredentialsError(`${source} are invalid: ${problems.join('; ')}`);
    }
    if (inToken) {
      const { signingKeyPem, tavSigningKeyPem, issuerDecryptionKeys } = parsed.data.mdes;
      const held = [
        signingKeyPem && 'mdes.signingKeyPem',
        tavSigningKeyPem && 'mdes.tavSigningKeyPem',
        issuerDecryptionKeys.length > 0 && 'mdes.issuerDecryptionKeys',
      ].filter(Boolean);
      if (held.length > 0) {
        throw new InvalidNetworkCredentialsError(
          `${source} hold private keys (${held.join(', ')}) that this deployment keeps in its HSM: remove them`,
        );
      }
    }
    try {
      return new NetworkCredentials(parsed.data, inToken);
    } catch (error) {
      throw new InvalidNetworkCredentialsError(
        `${source} hold a key that does not load (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** From the JSON text of an environment variable, or else from a file. */
  static async load(from: { json?: string; file?: string }, inToken?: NetworkPrivateKeys): Promise<NetworkCredentials> {
    if (from.json)
      return NetworkCredentials.parse(
        parseJson(from.json, 'PUSHPROV_NETWORK_CREDENTIALS'),
        'PUSHPROV_NETWORK_CREDENTIALS',
        inToken,
      );
    if (!from.file)
      throw new InvalidNetworkCredentialsError('No network credentials: set PUSHPROV_NETWORK_CREDENTIALS or a file');
    let text: string;
    try {
      text = await readFile(from.file, 'utf8');
    } catch {
      throw new InvalidNetworkCredentialsError(
        `No network credentials at ${from.file} (the sandbox writes them at its first start; in production, provision them)`,
      );
    }
    return NetworkCredentials.parse(parseJson(text, from.file), from.file, inToken);
  }
}

/** The issuer's private keys as its document holds them (PEM), when no HSM does. */
function privateKeysOf(document: Parsed): NetworkPrivateKeys {
  return {
    ...(document.mdes.signingKeyPem && { mdesOAuthSigning: rsaSigningKey(document.mdes.signingKeyPem) }),
    ...(document.mdes.tavSigningKeyPem && { mdesTavSigning: rsaSigningKey(document.mdes.tavSigningKeyPem) }),
    mdesIssuerDecryption: document.mdes.issuerDecryptionKeys.map((privateKeyPem) =>
      fileRsaDecryptionKey(createPrivateKey(privateKeyPem)),
    ),
  };
}

function rsaSigningKey(pem: string): PrivateSigningKey {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa') throw new TypeError(`expected an RSA key, found ${key.asymmetricKeyType}`);
  return fileSigningKey(key);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InvalidNetworkCredentialsError(`${source} is not JSON`);
  }
}
