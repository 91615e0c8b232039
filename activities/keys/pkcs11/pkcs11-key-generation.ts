/**
 * Creating the issuer's keys inside a token: each generated there, sensitive, never extractable, with only
 * the usage its purpose needs and only the mechanisms the engine uses it with (CKA_ALLOWED_MECHANISMS).
 * Rotation adds a newer key of a purpose; the older ones stay for what they did.
 */
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import pkcs11js, { type PKCS11, type Template } from 'pkcs11js';
import { mechanismList, p256Parameters, publicKeyOf } from './pkcs11-attributes.js';
import {
  keyKinds,
  keyLabel,
  pkcs11KeyPurposes,
  storedKeys,
  type Pkcs11KeyKind,
  type Pkcs11KeyPurpose,
} from './pkcs11-key-purposes.js';
import type { RsaOaepMode } from './pkcs11-settings.js';
import type { ObjectHandle, Pkcs11Token, SessionHandle } from './pkcs11-token.js';

export interface GenerationOptions {
  /**
   * How the engine will decrypt with the RSA decryption keys (PKCS11_RSA_OAEP): a key made for `token` allows
   * RSA-OAEP only; one made for `engine` allows the raw RSA operation only, which SoftHSM2 needs.
   */
  rsaOaep: RsaOaepMode;
}

export interface GeneratedKey {
  purpose: Pkcs11KeyPurpose;
  label: string;
  kid: string;
}

const {
  CKA_DECRYPT,
  CKA_DERIVE,
  CKA_ENCRYPT,
  CKA_SIGN,
  CKA_SIGN_RECOVER,
  CKA_UNWRAP,
  CKA_VERIFY,
  CKA_VERIFY_RECOVER,
  CKA_WRAP,
} = pkcs11js;

// Every usage flag an object class has is written, granted or not: a module's defaults for the ones left out vary.
const usageFlags = {
  secret: [CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE],
  private: [CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_DERIVE],
  public: [CKA_ENCRYPT, CKA_VERIFY, CKA_VERIFY_RECOVER, CKA_WRAP, CKA_DERIVE],
};

function usage(objectClass: keyof typeof usageFlags, granted: readonly number[]): Template {
  return usageFlags[objectClass].map((type) => ({ type, value: granted.includes(type) }));
}

/** The mechanisms the engine uses a key with, and no other: a session holder cannot use it in another mode. */
function allowing(...mechanisms: number[]): Template {
  return [{ type: pkcs11js.CKA_ALLOWED_MECHANISMS, value: mechanismList(mechanisms) }];
}

/** What every secret and private key is: in the token, behind the login, never readable nor exportable. */
const keptInside: Template = [
  { type: pkcs11js.CKA_TOKEN, value: true },
  { type: pkcs11js.CKA_PRIVATE, value: true },
  { type: pkcs11js.CKA_SENSITIVE, value: true },
  { type: pkcs11js.CKA_EXTRACTABLE, value: false },
  { type: pkcs11js.CKA_COPYABLE, value: false },
];

interface SecretKeySpec {
  mechanism: number;
  keyType: number;
  usage: number[];
  allowed: number[];
}

const secretKeySpecs: Partial<Record<Pkcs11KeyKind, SecretKeySpec>> = {
  'aes-256': {
    mechanism: pkcs11js.CKM_AES_KEY_GEN,
    keyType: pkcs11js.CKK_AES,
    usage: [CKA_ENCRYPT, CKA_DECRYPT],
    allowed: [pkcs11js.CKM_AES_GCM],
  },
  'hmac-sha-256': {
    mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN,
    keyType: pkcs11js.CKK_GENERIC_SECRET,
    usage: [CKA_SIGN, CKA_VERIFY],
    allowed: [pkcs11js.CKM_SHA256_HMAC],
  },
};

interface KeyPairSpec {
  mechanism: number;
  publicKey: Template;
  privateKey: Template;
}

const rsa2048: Template = [
  { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
  { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
];

function keyPairSpec(kind: Pkcs11KeyKind, options: GenerationOptions): KeyPairSpec | undefined {
  switch (kind) {
    case 'ec-p256-signing': {
      // ECDSA over a SHA-256 digest the engine computes (pkcs11-key-handles.ts).
      const allowed = allowing(pkcs11js.CKM_ECDSA);
      return {
        mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN,
        publicKey: [
          { type: pkcs11js.CKA_EC_PARAMS, value: p256Parameters },
          ...usage('public', [CKA_VERIFY]),
          ...allowed,
        ],
        privateKey: [...usage('private', [CKA_SIGN]), ...allowed],
      };
    }
    case 'rsa-2048-signing': {
      const allowed = allowing(pkcs11js.CKM_SHA256_RSA_PKCS);
      return {
        mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
        publicKey: [...rsa2048, ...usage('public', [CKA_VERIFY]), ...allowed],
        privateKey: [...usage('private', [CKA_SIGN]), ...allowed],
      };
    }
    case 'rsa-2048-decryption': {
      const decryption = options.rsaOaep === 'engine' ? pkcs11js.CKM_RSA_X_509 : pkcs11js.CKM_RSA_PKCS_OAEP;
      return {
        mechanism: pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN,
        publicKey: [...rsa2048, ...usage('public', [CKA_ENCRYPT]), ...allowing(pkcs11js.CKM_RSA_PKCS_OAEP)],
        privateKey: [...usage('private', [CKA_DECRYPT]), ...allowing(decryption)],
      };
    }
    default:
      return undefined;
  }
}

/** Generates a key for every purpose (all of them by default) that the token has none of. */
export async function generateMissingPkcs11Keys(
  token: Pkcs11Token,
  options: GenerationOptions,
  purposes: readonly Pkcs11KeyPurpose[] = pkcs11KeyPurposes,
): Promise<GeneratedKey[]> {
  const generated: GeneratedKey[] = [];
  for (const purpose of purposes) {
    // Run again on a lost session, it first looks for the key: one made before the loss is not made twice.
    const made = await oneAtATime(token, () =>
      token.withSession(`generating a ${purpose} key`, (session) =>
        storedKeys(token.pkcs11, session, purpose).length === 0
          ? generateKey(token.pkcs11, session, purpose, options)
          : undefined,
      ),
    );
    if (made) generated.push(made);
  }
  return generated;
}

/** Adds a newer key of `purpose`: it encrypts, signs or decrypts from now on; the older ones still decrypt or verify. */
export function rotatePkcs11Key(
  token: Pkcs11Token,
  purpose: Pkcs11KeyPurpose,
  options: GenerationOptions,
): Promise<GeneratedKey> {
  return oneAtATime(token, () =>
    // Not run again if the session is lost: the key may have been made before it was, and a second would follow.
    token.withSession(
      `rotating the ${purpose} key`,
      (session) => generateKey(token.pkcs11, session, purpose, options),
      {
        retry: false,
      },
    ),
  );
}

/**
 * Key generation on a token, one at a time: it is an operator's act, nothing gains from running several at
 * once, and SoftHSM2 2.6 fails one now and then (CKR_GENERAL_ERROR) when several write its store together.
 */
const generations = new WeakMap<Pkcs11Token, Promise<unknown>>();

function oneAtATime<T>(token: Pkcs11Token, work: () => Promise<T>): Promise<T> {
  const turn = (generations.get(token) ?? Promise.resolve()).then(work, work);
  generations.set(
    token,
    turn.catch(() => undefined),
  );
  return turn;
}

async function generateKey(
  pkcs11: PKCS11,
  session: SessionHandle,
  purpose: Pkcs11KeyPurpose,
  options: GenerationOptions,
): Promise<GeneratedKey> {
  // Labels order a purpose's keys: a new key is always later than the newest, even within a millisecond.
  const newest = storedKeys(pkcs11, session, purpose).at(-1)?.createdAt.getTime() ?? 0;
  const label = keyLabel(purpose, new Date(Math.max(Date.now(), newest + 1)));
  const kind = keyKinds[purpose];
  const secret = secretKeySpecs[kind];
  if (secret) {
    const kid = randomUUID();
    await pkcs11.C_GenerateKeyAsync(session, { mechanism: secret.mechanism }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: secret.keyType },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_LABEL, value: label },
      { type: pkcs11js.CKA_ID, value: Buffer.from(kid, 'utf8') },
      // Its CKA_ID is known before it exists: nothing about it needs changing afterwards.
      { type: pkcs11js.CKA_MODIFIABLE, value: false },
      ...keptInside,
      ...usage('secret', secret.usage),
      ...allowing(...secret.allowed),
    ]);
    return { purpose, label, kid };
  }
  const pair = keyPairSpec(kind, options);
  if (!pair) throw new Error(`no template for ${kind}`);
  const { publicKey, privateKey } = await pkcs11.C_GenerateKeyPairAsync(
    session,
    { mechanism: pair.mechanism },
    [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      { type: pkcs11js.CKA_LABEL, value: label },
      ...pair.publicKey,
    ],
    [{ type: pkcs11js.CKA_LABEL, value: label }, ...keptInside, ...pair.privateKey],
  );
  try {
    // A pair's kid is its public key's thumbprint, known only once the token has made it.
    const kid = await calculateJwkThumbprint(await exportJWK(publicKeyOf(pkcs11, session, publicKey)));
    for (const object of [publicKey, privateKey]) {
      pkcs11.C_SetAttributeValue(session, object, [{ type: pkcs11js.CKA_ID, value: Buffer.from(kid, 'utf8') }]);
    }
    return { purpose, label, kid };
  } catch (error) {
    destroyQuietly(pkcs11, session, [publicKey, privateKey]);
    throw error;
  }
}

// A half-made pair would be found by its label with no kid: it goes, and the error that stopped it is reported.
function destroyQuietly(pkcs11: PKCS11, session: SessionHandle, objects: ObjectHandle[]): void {
  for (const object of objects) {
    try {
      pkcs11.C_DestroyObject(session, object);
    } catch {
      // The first error is the one worth reporting.
    }
  }
}
