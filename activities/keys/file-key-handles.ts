/**
 * Key handles over key material this process holds (the file key store, the sandbox's own keys, tests):
 * node:crypto does each operation the PKCS#11 store asks its token for.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPublicKey,
  privateDecrypt,
  sign,
  type KeyObject,
} from 'node:crypto';
import {
  DecryptionRefusedError,
  type EncryptionKey,
  type MacKey,
  type OaepHash,
  type PrivateSigningKey,
  type RsaDecryptionKey,
  type SignatureAlgorithm,
} from './key-handles.js';

export function fileEncryptionKey(kid: string, key: Buffer): EncryptionKey {
  return {
    kid,
    encrypt: (iv, plaintext, aad) =>
      Promise.resolve().then(() => {
        const cipher = createCipheriv('aes-256-gcm', key, iv);
        cipher.setAAD(aad);
        const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
        return { ciphertext, tag: cipher.getAuthTag() };
      }),
    decrypt: (iv, ciphertext, tag, aad) =>
      Promise.resolve().then(() => {
        try {
          const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
          decipher.setAAD(aad);
          decipher.setAuthTag(tag);
          return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
        } catch (error) {
          throw new DecryptionRefusedError(`Key ${kid} refused the data: its tag does not verify`, { cause: error });
        }
      }),
  };
}

export function fileMacKey(kid: string, key: Buffer): MacKey {
  return { kid, mac: (data) => Promise.resolve(createHmac('sha256', key).update(data).digest()) };
}

/** ES256 for a P-256 key, RS256 for an RSA key. */
export function fileSigningKey(privateKey: KeyObject): PrivateSigningKey {
  const alg = signatureAlgorithmOf(privateKey);
  return {
    alg,
    publicKey: createPublicKey(privateKey),
    sign: (data) =>
      Promise.resolve(
        alg === 'ES256'
          ? sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
          : sign('sha256', data, privateKey),
      ),
  };
}

export function fileRsaDecryptionKey(privateKey: KeyObject): RsaDecryptionKey {
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new TypeError(`expected an RSA key, found ${privateKey.asymmetricKeyType}`);
  }
  return {
    publicKey: createPublicKey(privateKey),
    decryptOaep: (data: Buffer, hash: OaepHash) =>
      Promise.resolve().then(() => {
        try {
          return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
        } catch (error) {
          throw new DecryptionRefusedError('The RSA key refused the data: it does not decode as OAEP', {
            cause: error,
          });
        }
      }),
  };
}

function signatureAlgorithmOf(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new TypeError(
    `expected an RSA or P-256 key, found ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim(),
  );
}
