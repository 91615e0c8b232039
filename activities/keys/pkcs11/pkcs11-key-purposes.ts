/** The issuer's keys in a token, by purpose: what kind each is, and how CKA_LABEL and CKA_ID name it. */
import pkcs11js, { type PKCS11 } from 'pkcs11js';
import { findObjects, textAttribute } from './pkcs11-attributes.js';
import { TokenObject } from './pkcs11-token-object.js';
import type { ObjectHandle, SessionHandle } from './pkcs11-token.js';

export const pkcs11KeyPurposes = [
  'vault-encryption',
  'vault-fingerprint',
  'one-time-code',
  'payload',
  'issuer-signing',
  'mdes-oauth-signing',
  'mdes-tav-signing',
  'mdes-issuer-decryption',
] as const;
export type Pkcs11KeyPurpose = (typeof pkcs11KeyPurposes)[number];

export type Pkcs11KeyKind = 'aes-256' | 'hmac-sha-256' | 'ec-p256-signing' | 'rsa-2048-signing' | 'rsa-2048-decryption';

export const keyKinds: Record<Pkcs11KeyPurpose, Pkcs11KeyKind> = {
  'vault-encryption': 'aes-256',
  'vault-fingerprint': 'hmac-sha-256',
  'one-time-code': 'hmac-sha-256',
  payload: 'aes-256',
  'issuer-signing': 'ec-p256-signing',
  'mdes-oauth-signing': 'rsa-2048-signing',
  'mdes-tav-signing': 'rsa-2048-signing',
  'mdes-issuer-decryption': 'rsa-2048-decryption',
};

export function isPkcs11KeyPurpose(value: string): value is Pkcs11KeyPurpose {
  return (pkcs11KeyPurposes as readonly string[]).includes(value);
}

export function isSecretKind(kind: Pkcs11KeyKind): boolean {
  return kind === 'aes-256' || kind === 'hmac-sha-256';
}

/** The command that creates the keys a token lacks (deploy/hsm-keys.ts). */
export const createKeysCommand = 'npm run keys:hsm -- init';

const labelPrefix = 'pushprov:';

export function keyLabel(purpose: Pkcs11KeyPurpose, createdAt: Date): string {
  return `${labelPrefix}${purpose}:${createdAt.toISOString()}`;
}

export function parseKeyLabel(label: string): { purpose: Pkcs11KeyPurpose; createdAt: Date } | undefined {
  if (!label.startsWith(labelPrefix)) return undefined;
  const rest = label.slice(labelPrefix.length);
  const separator = rest.indexOf(':');
  const purpose = rest.slice(0, separator);
  const createdAt = new Date(rest.slice(separator + 1));
  if (separator < 0 || !isPkcs11KeyPurpose(purpose) || Number.isNaN(createdAt.getTime())) return undefined;
  return { purpose, createdAt };
}

export interface StoredKey {
  purpose: Pkcs11KeyPurpose;
  label: string;
  /** CKA_ID as UTF-8: a random UUID for a secret key, the RFC 7638 thumbprint of a key pair's public key. */
  kid: string;
  createdAt: Date;
  /** The secret key, or the private key of a pair. */
  object: ObjectHandle;
  /** A pair's public key object (same label and CKA_ID). */
  publicObject?: ObjectHandle;
}

/** A purpose's keys in the token, oldest first. */
export function storedKeys(pkcs11: PKCS11, session: SessionHandle, purpose: Pkcs11KeyPurpose): StoredKey[] {
  const secret = isSecretKind(keyKinds[purpose]);
  const objectClass = secret ? pkcs11js.CKO_SECRET_KEY : pkcs11js.CKO_PRIVATE_KEY;
  // PKCS#11 finds by exact values only: the labels are read and the purpose's prefix matched here.
  const keys = findObjects(pkcs11, session, [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_TOKEN, value: true },
  ]).flatMap((object): StoredKey[] => {
    const label = textAttribute(pkcs11, session, object, pkcs11js.CKA_LABEL);
    const parsed = parseKeyLabel(label);
    if (parsed?.purpose !== purpose) return [];
    const kid = textAttribute(pkcs11, session, object, pkcs11js.CKA_ID);
    return [{ purpose, label, kid, createdAt: parsed.createdAt, object }];
  });
  if (!secret) {
    for (const key of keys) {
      const [publicObject] = findObjects(pkcs11, session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_LABEL, value: key.label },
        { type: pkcs11js.CKA_ID, value: Buffer.from(key.kid, 'utf8') },
      ]);
      if (!publicObject) throw new Error(`the key ${key.label} has no public key object`);
      key.publicObject = publicObject;
    }
  }
  return keys.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** The secret or private key object of a stored key, to be found again by its class, label and id. */
export function keyObjectOf(key: StoredKey): TokenObject {
  const objectClass = isSecretKind(keyKinds[key.purpose]) ? pkcs11js.CKO_SECRET_KEY : pkcs11js.CKO_PRIVATE_KEY;
  const identity = [
    { type: pkcs11js.CKA_CLASS, value: objectClass },
    { type: pkcs11js.CKA_LABEL, value: key.label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(key.kid, 'utf8') },
  ];
  return new TokenObject(key.object, identity, key.label);
}
