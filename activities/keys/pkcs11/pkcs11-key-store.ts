/**
 * The issuer's keys held in a PKCS#11 token, found by label: the vault's, the payload codec's, the signing
 * keys of the authentication proofs and the private keys facing the networks, each used through a handle.
 */
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { IssuerSigningKeys, type SigningKey } from '../issuer-signing-keys.js';
import type {
  EncryptionKey,
  EncryptionKeyRing,
  NetworkPrivateKeys,
  PrivateSigningKey,
  SignatureAlgorithm,
  VaultKeySet,
} from '../key-handles.js';
import { publicKeyOf } from './pkcs11-attributes.js';
import { pkcs11EncryptionKey, pkcs11MacKey, pkcs11RsaDecryptionKey, pkcs11SigningKey } from './pkcs11-key-handles.js';
import {
  createKeysCommand,
  keyObjectOf,
  pkcs11KeyPurposes,
  storedKeys,
  type Pkcs11KeyPurpose,
  type StoredKey,
} from './pkcs11-key-purposes.js';
import type { RsaOaepMode } from './pkcs11-settings.js';
import type { Pkcs11Token } from './pkcs11-token.js';

export interface Pkcs11Keys {
  vault: VaultKeySet;
  payload: EncryptionKeyRing;
  signing: IssuerSigningKeys;
  network: NetworkPrivateKeys;
}

export interface Pkcs11KeysOptions {
  rsaOaep: RsaOaepMode;
  /** How long a rotated-out signing key keeps verifying (IssuerSigningKeys' default when unset). */
  signingOverlapMs?: number;
}

export class MissingPkcs11KeyError extends Error {
  override name = 'MissingPkcs11KeyError';
}

/** A stored key, with a pair's public key rebuilt from its public object. */
interface TokenKey extends StoredKey {
  publicKey?: KeyObject;
}

type TokenKeys = Record<Pkcs11KeyPurpose, TokenKey[]>;

export async function openPkcs11Keys(token: Pkcs11Token, options: Pkcs11KeysOptions): Promise<Pkcs11Keys> {
  const keys = await readTokenKeys(token, pkcs11KeyPurposes);
  const required = (purpose: Pkcs11KeyPurpose): [TokenKey, ...TokenKey[]] => {
    const found = keys[purpose];
    if (!isNonEmpty(found)) {
      throw new MissingPkcs11KeyError(
        `The token "${token.label}" holds no ${purpose} key: create it with \`${createKeysCommand}\``,
      );
    }
    return found;
  };
  const mac = (key: TokenKey) => pkcs11MacKey(token, key.kid, keyObjectOf(key));
  const signer = (key: TokenKey, alg: SignatureAlgorithm): PrivateSigningKey =>
    pkcs11SigningKey(token, key.label, alg, keyObjectOf(key), publicKeyFrom(key));

  const vaultEncryption = encryptionRing(required('vault-encryption').map((key) => encryptionKey(token, key)));
  const fingerprintKeys = required('vault-fingerprint').map(mac).reverse();
  const vault: VaultKeySet = {
    currentEncryption: vaultEncryption.current,
    encryptionKey: (kid) => vaultEncryption.key(kid),
    fingerprint: fingerprintKeys[0]!,
    fingerprintKeys,
    oneTimeCode: mac(required('one-time-code').at(-1)!),
  };
  const payload = encryptionRing(required('payload').map((key) => encryptionKey(token, key)));

  const signingKeys = required('issuer-signing');
  const signing = IssuerSigningKeys.of(
    await Promise.all(
      signingKeys.map(async (key, index): Promise<SigningKey> => {
        const successor = signingKeys[index + 1];
        return {
          kid: key.kid,
          alg: 'ES256',
          signer: signer(key, 'ES256'),
          publicJwk: { ...(await exportJWK(publicKeyFrom(key))), kid: key.kid, alg: 'ES256', use: 'sig' },
          createdAt: key.createdAt,
          ...(successor && { retiredAt: successor.createdAt }),
        };
      }),
    ),
    options.signingOverlapMs,
  );

  const oauth = keys['mdes-oauth-signing'].at(-1);
  const tav = keys['mdes-tav-signing'].at(-1);
  const network: NetworkPrivateKeys = {
    ...(oauth && { mdesOAuthSigning: signer(oauth, 'RS256') }),
    ...(tav && { mdesTavSigning: signer(tav, 'RS256') }),
    mdesIssuerDecryption: keys['mdes-issuer-decryption'].map((key) =>
      pkcs11RsaDecryptionKey(token, key.label, keyObjectOf(key), publicKeyFrom(key), options.rsaOaep),
    ),
  };
  return { vault, payload, signing, network };
}

export interface NetworkPublicKeys {
  mdesOAuthSigningPublicKeyPem?: string;
  mdesTavSigningPublicKeyPem?: string;
  /** Oldest first, as the token holds them. */
  mdesIssuerDecryptionPublicKeyPems: string[];
}

/** The public halves of the keys facing the networks, as SPKI PEM: what the issuer registers in the network's portal. */
export async function publicKeysForNetworks(token: Pkcs11Token): Promise<NetworkPublicKeys> {
  const keys = await readTokenKeys(token, ['mdes-oauth-signing', 'mdes-tav-signing', 'mdes-issuer-decryption']);
  const pem = (key: TokenKey): string => publicKeyFrom(key).export({ format: 'pem', type: 'spki' }).toString();
  const oauth = keys['mdes-oauth-signing'].at(-1);
  const tav = keys['mdes-tav-signing'].at(-1);
  return {
    ...(oauth && { mdesOAuthSigningPublicKeyPem: pem(oauth) }),
    ...(tav && { mdesTavSigningPublicKeyPem: pem(tav) }),
    mdesIssuerDecryptionPublicKeyPems: keys['mdes-issuer-decryption'].map(pem),
  };
}

/** Each purpose's keys, oldest first; a pair's CKA_ID checked against its public key's thumbprint. */
async function readTokenKeys(token: Pkcs11Token, purposes: readonly Pkcs11KeyPurpose[]): Promise<TokenKeys> {
  const keys = Object.fromEntries(pkcs11KeyPurposes.map((purpose) => [purpose, []])) as unknown as TokenKeys;
  await token.withSession('reading the key objects', async (session) => {
    for (const purpose of purposes) {
      keys[purpose] = storedKeys(token.pkcs11, session, purpose).map((key) =>
        key.publicObject ? { ...key, publicKey: publicKeyOf(token.pkcs11, session, key.publicObject) } : key,
      );
    }
    for (const key of purposes.flatMap((purpose) => keys[purpose])) {
      if (!key.publicKey) continue;
      const thumbprint = await calculateJwkThumbprint(await exportJWK(key.publicKey));
      if (thumbprint !== key.kid) {
        throw new MissingPkcs11KeyError(
          `The key ${key.label} is named ${key.kid}, but its public key is ${thumbprint}`,
        );
      }
    }
  });
  return keys;
}

function encryptionKey(token: Pkcs11Token, key: TokenKey): EncryptionKey {
  return pkcs11EncryptionKey(token, key.kid, keyObjectOf(key));
}

/** The newest key encrypts; every key of the ring still decrypts. */
function encryptionRing(keys: readonly EncryptionKey[]): EncryptionKeyRing {
  const current = keys.at(-1);
  if (!current) throw new MissingPkcs11KeyError('an encryption key ring needs a key');
  return { current, key: (kid) => keys.find((key) => key.kid === kid) };
}

function publicKeyFrom(key: TokenKey): KeyObject {
  if (!key.publicKey) throw new MissingPkcs11KeyError(`The key ${key.label} has no public key`);
  return key.publicKey;
}

function isNonEmpty<T>(list: T[]): list is [T, ...T[]] {
  return list.length > 0;
}
