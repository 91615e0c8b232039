// A payload that does not decrypt is final only when the key refused it (altered, or sealed under another key);
// a key store that did not answer (an HSM away) leaves the decoding to be tried again.
import { randomBytes } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../activities/crypto/payload-codec.js';
import { mdesFieldLevel } from '../../activities/crypto/encryption/profiles.js';
import { fileEncryptionKey, fileRsaDecryptionKey } from '../../activities/keys/file-key-handles.js';
import { DecryptionRefusedError, type EncryptionKey } from '../../activities/keys/key-handles.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { rejectionOf } from '../support/rejection.js';

const ring = (key: EncryptionKey) => ({ current: key, key: (kid: string) => (kid === key.kid ? key : undefined) });

async function sealedPayload(key: EncryptionKey) {
  const [payload] = await new EncryptionCodec(ring(key)).encode([{ metadata: {}, data: Buffer.from('"card-ref"') }]);
  return payload!;
}

describe('a payload that does not decrypt', () => {
  it('is final (non-retryable) when the key refuses it', async () => {
    const key = fileEncryptionKey('k1', randomBytes(32));
    const payload = await sealedPayload(key);
    const altered = { ...payload, data: Buffer.from(payload.data!).fill(1, 30, 31) };
    const failure = await rejectionOf(new EncryptionCodec(ring(key)).decode([altered]), ApplicationFailure);
    expect([failure.type, failure.nonRetryable]).toEqual(['PayloadDecryptionError', true]);
  });

  it('is left to be tried again when the key store fails otherwise', async () => {
    const key = fileEncryptionKey('k1', randomBytes(32));
    const payload = await sealedPayload(key);
    const away: EncryptionKey = {
      ...key,
      decrypt: () => Promise.reject(new Error('RSA/AES call on token "pushprov" failed: CKR_DEVICE_REMOVED')),
    };
    const failure = await rejectionOf(new EncryptionCodec(ring(away)).decode([payload]));
    expect(failure).not.toBeInstanceOf(ApplicationFailure);
    expect(failure.message).toMatch(/CKR_DEVICE_REMOVED/);
  });
});

describe("field-level card data for the issuer's key", () => {
  const issuer = createRsaKeyWithCertificate('issuer decryption');

  it('is refused as tampered when the key refuses it, and passes an HSM failure on as it is', async () => {
    const payload = await mdesFieldLevel.encrypt({ accountNumber: '5204731600014792' }, issuer);
    const refusing = {
      ...fileRsaDecryptionKey(issuer.privateKey),
      decryptOaep: () => Promise.reject(new DecryptionRefusedError('refused')),
    };
    const refused = await rejectionOf(
      mdesFieldLevel.decrypt(payload, { publicKey: issuer.publicKey, privateKey: refusing }),
      CryptoFailure,
    );
    expect(refused.code).toBe(CryptoFailureCode.DecryptionFailed);
    const away = { ...refusing, decryptOaep: () => Promise.reject(new Error('CKR_SESSION_HANDLE_INVALID')) };
    const failure = await rejectionOf(
      mdesFieldLevel.decrypt(payload, { publicKey: issuer.publicKey, privateKey: away }),
    );
    expect(failure).not.toBeInstanceOf(CryptoFailure);
    const opened = await mdesFieldLevel.decrypt(payload, {
      publicKey: issuer.publicKey,
      privateKey: fileRsaDecryptionKey(issuer.privateKey),
    });
    expect(opened).toEqual({ accountNumber: '5204731600014792' });
  });
});
