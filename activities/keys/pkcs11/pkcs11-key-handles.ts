/** Key handles over keys that stay in a PKCS#11 token: each operation is one call into the token, on a session of its own. */
import { createHash, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import pkcs11js, { type GcmParams, type Mechanism, type RsaOAEP } from 'pkcs11js';
import {
  DecryptionRefusedError,
  type EncryptionKey,
  type MacKey,
  type OaepHash,
  type PrivateSigningKey,
  type RsaDecryptionKey,
  type SignatureAlgorithm,
} from '../key-handles.js';
import type { RsaOaepMode } from './pkcs11-settings.js';
import type { TokenObject } from './pkcs11-token-object.js';
import { Pkcs11OperationError, type Pkcs11Token } from './pkcs11-token.js';

const tagBytes = 16;

/**
 * The return values with which a token refuses the data rather than fails: the ciphertext does not decrypt
 * under the key. SoftHSM2 reports a GCM tag that does not verify as CKR_GENERAL_ERROR, after a successful
 * C_DecryptInit; every other failure (a session lost, the device gone) stays what it is, and may pass.
 */
const refusals = new Set(['CKR_ENCRYPTED_DATA_INVALID', 'CKR_ENCRYPTED_DATA_LEN_RANGE', 'CKR_GENERAL_ERROR']);

function refusedData(what: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof Pkcs11OperationError && refusals.has(error.returnValue ?? '')) {
      throw new DecryptionRefusedError(`${what}: the token refused the data (${error.returnValue})`, { cause: error });
    }
    throw error;
  };
}

function gcm(iv: Buffer, aad: Buffer): Mechanism {
  const parameter: GcmParams = { type: pkcs11js.CK_PARAMS_GCM, iv, ivBits: iv.length * 8, aad, tagBits: tagBytes * 8 };
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

export function pkcs11EncryptionKey(token: Pkcs11Token, kid: string, key: TokenObject): EncryptionKey {
  const { pkcs11 } = token;
  return {
    kid,
    encrypt: (iv, plaintext, aad) =>
      token.withSession(
        `AES-GCM encryption with key ${kid}`,
        async (session) => {
          pkcs11.C_EncryptInit(session, gcm(iv, aad), key.handle);
          // The token returns the ciphertext and the tag after it.
          const sealed = await pkcs11.C_EncryptAsync(session, plaintext, Buffer.alloc(plaintext.length + tagBytes));
          return { ciphertext: sealed.subarray(0, -tagBytes), tag: sealed.subarray(-tagBytes) };
        },
        { objects: [key] },
      ),
    decrypt: (iv, ciphertext, tag, aad) => {
      if (tag.length !== tagBytes) {
        return Promise.reject(
          new DecryptionRefusedError(`Key ${kid} refused the data: expected a ${tagBytes}-byte tag`),
        );
      }
      const sealed = Buffer.concat([ciphertext, tag]);
      return token
        .withSession(
          `AES-GCM decryption with key ${kid}`,
          async (session) => {
            pkcs11.C_DecryptInit(session, gcm(iv, aad), key.handle);
            return pkcs11.C_DecryptAsync(session, sealed, Buffer.alloc(sealed.length));
          },
          { objects: [key] },
        )
        .catch(refusedData(`AES-GCM decryption with key ${kid}`));
    },
  };
}

export function pkcs11MacKey(token: Pkcs11Token, kid: string, key: TokenObject): MacKey {
  const { pkcs11 } = token;
  return {
    kid,
    mac: (data) =>
      token.withSession(
        `HMAC-SHA-256 with key ${kid}`,
        async (session) => {
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key.handle);
          return pkcs11.C_SignAsync(session, data, Buffer.alloc(32));
        },
        { objects: [key] },
      ),
  };
}

/** ES256 signs a SHA-256 digest computed here with CKM_ECDSA (r || s, as JWS wants it); RS256 is CKM_SHA256_RSA_PKCS. */
export function pkcs11SigningKey(
  token: Pkcs11Token,
  name: string,
  alg: SignatureAlgorithm,
  privateKey: TokenObject,
  publicKey: KeyObject,
): PrivateSigningKey {
  const { pkcs11 } = token;
  const signatureBytes = alg === 'ES256' ? 64 : modulusBytes(publicKey);
  return {
    alg,
    publicKey,
    sign: (data) =>
      token.withSession(
        `${alg} signature with key ${name}`,
        async (session) => {
          if (alg === 'ES256') {
            pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, privateKey.handle);
            return pkcs11.C_SignAsync(
              session,
              createHash('sha256').update(data).digest(),
              Buffer.alloc(signatureBytes),
            );
          }
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, privateKey.handle);
          return pkcs11.C_SignAsync(session, data, Buffer.alloc(signatureBytes));
        },
        { objects: [privateKey] },
      ),
  };
}

const oaepHashMechanisms: Record<OaepHash, { hashAlg: number; mgf: number }> = {
  sha256: { hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256 },
  sha512: { hashAlg: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512 },
};

// CKZ_DATA_SPECIFIED (the OAEP label is given: here, empty), which pkcs11js does not export.
const oaepLabelGiven = 1;

// Return values with which a token says it lacks OAEP with this hash (SoftHSM2 2.6 takes SHA-1 only).
const oaepUnsupported = new Set(['CKR_ARGUMENTS_BAD', 'CKR_MECHANISM_PARAM_INVALID', 'CKR_MECHANISM_INVALID']);

/**
 * RSA-OAEP decryption. `token`: CKM_RSA_PKCS_OAEP with the hash asked for. `engine`: the token does only the raw
 * RSA private operation (CKM_RSA_X_509) and node-forge removes the OAEP padding here, for tokens whose OAEP
 * takes SHA-1 only; the padding check is forge's, written to run in constant time.
 */
export function pkcs11RsaDecryptionKey(
  token: Pkcs11Token,
  name: string,
  privateKey: TokenObject,
  publicKey: KeyObject,
  mode: RsaOaepMode,
): RsaDecryptionKey {
  const { pkcs11 } = token;
  const keyBytes = modulusBytes(publicKey);
  const decryptInToken = (data: Buffer, hash: OaepHash): Promise<Buffer> =>
    token
      .withSession(
        `RSA-OAEP (${hash}) decryption with key ${name}`,
        async (session) => {
          const parameter: RsaOAEP = {
            type: pkcs11js.CK_PARAMS_RSA_OAEP,
            ...oaepHashMechanisms[hash],
            source: oaepLabelGiven,
          };
          pkcs11.C_DecryptInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter }, privateKey.handle);
          return pkcs11.C_DecryptAsync(session, data, Buffer.alloc(keyBytes));
        },
        { objects: [privateKey] },
      )
      .catch((error: unknown) => {
        if (error instanceof Pkcs11OperationError && oaepUnsupported.has(error.returnValue ?? '')) {
          throw new Pkcs11OperationError(
            `${error.message} (this token may not do RSA-OAEP with ${hash}, for which PKCS11_RSA_OAEP=engine removes the ` +
              `padding in the engine; or the key was made for PKCS11_RSA_OAEP=engine, and allows the raw operation only)`,
            error.returnValue,
            { cause: error },
          );
        }
        return refusedData(`RSA-OAEP decryption with key ${name}`)(error);
      });
  const decryptInEngine = async (data: Buffer, hash: OaepHash): Promise<Buffer> => {
    if (data.length !== keyBytes) {
      throw new DecryptionRefusedError(`Key ${name} refused the data: expected ${keyBytes} bytes of ciphertext`);
    }
    const raw = await token
      .withSession(
        `raw RSA decryption (OAEP ${hash} in the engine) with key ${name}`,
        async (session) => {
          pkcs11.C_DecryptInit(session, { mechanism: pkcs11js.CKM_RSA_X_509 }, privateKey.handle);
          return pkcs11.C_DecryptAsync(session, data, Buffer.alloc(keyBytes));
        },
        { objects: [privateKey] },
      )
      .catch((error: unknown) => {
        if (error instanceof Pkcs11OperationError && error.returnValue === 'CKR_MECHANISM_INVALID') {
          throw new Pkcs11OperationError(
            `${error.message} (the key may have been made for PKCS11_RSA_OAEP=token, and allow RSA-OAEP only)`,
            error.returnValue,
            { cause: error },
          );
        }
        return refusedData(`raw RSA decryption with key ${name}`)(error);
      });
    // Some modules drop the leading zero bytes of the encoded message: OAEP decoding wants all k bytes. The
    // padding is removed after the session went back to the pool: a bad one costs the token nothing.
    const encoded = Buffer.concat([Buffer.alloc(keyBytes - raw.length), raw]);
    try {
      return removeOaepPadding(encoded, hash, publicKey);
    } catch (error) {
      throw new DecryptionRefusedError(`Key ${name} refused the data: it does not decode as OAEP`, { cause: error });
    }
  };
  return { publicKey, decryptOaep: mode === 'engine' ? decryptInEngine : decryptInToken };
}

interface ForgeOaep {
  pkcs1: {
    decode_rsa_oaep(
      key: { n: forge.jsbn.BigInteger },
      encoded: string,
      options: { md: forge.md.MessageDigest; mgf1: { md: forge.md.MessageDigest } },
    ): string;
  };
}

// @types/node-forge does not declare forge.pkcs1, which node-forge has.
const { pkcs1 } = forge as unknown as ForgeOaep;

function removeOaepPadding(encoded: Buffer, hash: OaepHash, publicKey: KeyObject): Buffer {
  const digest = (): forge.md.MessageDigest =>
    hash === 'sha256' ? forge.md.sha256.create() : forge.md.sha512.create();
  const n = new forge.jsbn.BigInteger(modulusOf(publicKey).toString('hex'), 16);
  const message = pkcs1.decode_rsa_oaep({ n }, encoded.toString('binary'), { md: digest(), mgf1: { md: digest() } });
  return Buffer.from(message, 'binary');
}

function modulusOf(publicKey: KeyObject): Buffer {
  const { n } = publicKey.export({ format: 'jwk' });
  if (!n) throw new TypeError('expected an RSA public key');
  return Buffer.from(n, 'base64url');
}

function modulusBytes(publicKey: KeyObject): number {
  return modulusOf(publicKey).length;
}
