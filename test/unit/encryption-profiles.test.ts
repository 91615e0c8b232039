import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { base64url, CompactEncrypt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../../activities/crypto/encryption/fingerprints.js';
import { mdesFieldLevel, mdesJwe, vtsRsaJwe, vtsSharedSecretJwe } from '../../activities/crypto/encryption/profiles.js';
import {
  createRsaKeyWithCertificate,
  type RsaKeyWithCertificate,
} from '../../activities/keys/rsa-key-with-certificate.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { rejectionOf } from '../support/rejection.js';

// A plaintext shaped like MDES's pushFundingAccounts payload; the PAN is a test number.
const plaintext = [
  {
    pushAccountId: 'pa-1',
    fundingAccountData: { cardAccountData: { accountNumber: '5204731600014792', expiryMonth: '09', expiryYear: '29' } },
  },
];

let network: RsaKeyWithCertificate;
let dir: string;

beforeAll(async () => {
  network = createRsaKeyWithCertificate('sandbox MDES encryption key');
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-jwe-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function refusal(attempt: Promise<unknown>): Promise<CryptoFailure> {
  return rejectionOf(attempt, CryptoFailure);
}

/** The same JWE with another protected header: what a sender with other settings would send. */
function withHeader(jwe: string, header: object): string {
  const [, ...rest] = jwe.split('.');
  return [base64url.encode(JSON.stringify(header)), ...rest].join('.');
}

describe('MDES JWE', () => {
  it('encrypts with the header MDES expects and decrypts on the network side', async () => {
    const { encryptedValue } = await mdesJwe.encrypt(plaintext, network);
    expect(decodeProtectedHeader(encryptedValue)).toEqual({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      cty: 'application/json',
      kid: createHash('sha256')
        .update(network.publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    });
    expect(encryptedValue).not.toContain('5204731600014792');
    expect(await mdesJwe.decrypt({ encryptedValue }, network)).toEqual(plaintext);
  });

  it('interoperates with Mastercard client-encryption library in both directions', async () => {
    const certificateFile = path.join(dir, 'network.crt');
    const keyFile = path.join(dir, 'network.key');
    await writeFile(certificateFile, network.certificatePem);
    await writeFile(keyFile, network.privateKeyPem);
    const require = createRequire(import.meta.url);
    const JweCrypto = require('mastercard-client-encryption/lib/mcapi/crypto/jwe-crypto.js') as new (
      config: object,
    ) => {
      encryptData(options: { data: unknown }): { encryptedValue: string };
      decryptData(jwe: string): unknown;
    };
    const mastercard = new JweCrypto({
      paths: [{ path: '/pushMultipleAccounts', toEncrypt: [], toDecrypt: [] }],
      encryptionCertificate: certificateFile,
      privateKey: keyFile,
      encryptedValueFieldName: 'encryptedValue',
      publicKeyFingerprintType: 'publicKey',
    });

    const theirs = mastercard.encryptData({ data: plaintext });
    expect(await mdesJwe.decrypt(theirs, network)).toEqual(plaintext);
    const ours = await mdesJwe.encrypt(plaintext, network);
    expect(mastercard.decryptData(ours.encryptedValue)).toEqual(plaintext);

    // Their 16-byte-IV ciphertext, altered, is refused like any other.
    const parts = theirs.encryptedValue.split('.');
    parts[3] = `${parts[3]![0] === 'A' ? 'B' : 'A'}${parts[3]!.slice(1)}`;
    expect((await refusal(mdesJwe.decrypt({ encryptedValue: parts.join('.') }, network))).code).toBe(
      CryptoFailureCode.DecryptionFailed,
    );
  });

  it('accepts A128CBC-HS256 content encryption, as older clients send it', async () => {
    const cbc = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(plaintext)))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', kid: publicKeyFingerprint(network.publicKey) })
      .encrypt(network.publicKey);
    expect(await mdesJwe.decrypt({ encryptedValue: cbc }, network)).toEqual(plaintext);
  });

  it('refuses RSA1_5 key management', async () => {
    const { encryptedValue } = await mdesJwe.encrypt(plaintext, network);
    const header = { ...decodeProtectedHeader(encryptedValue), alg: 'RSA1_5' };
    const failure = await refusal(mdesJwe.decrypt({ encryptedValue: withHeader(encryptedValue, header) }, network));
    expect(failure.code).toBe(CryptoFailureCode.AlgorithmNotAllowed);
    expect(failure.message).toMatch(/padding-oracle/);
  });

  it('refuses a tampered ciphertext', async () => {
    const { encryptedValue } = await mdesJwe.encrypt(plaintext, network);
    const parts = encryptedValue.split('.');
    const ciphertext = parts[3]!;
    parts[3] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`;
    const failure = await refusal(mdesJwe.decrypt({ encryptedValue: parts.join('.') }, network));
    expect(failure.code).toBe(CryptoFailureCode.DecryptionFailed);
  });

  it('refuses a compressed JWE', async () => {
    const compressed = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(plaintext)))
      .setProtectedHeader({
        alg: 'RSA-OAEP-256',
        enc: 'A256GCM',
        kid: publicKeyFingerprint(network.publicKey),
        zip: 'DEF',
      })
      .encrypt(network.publicKey);
    const failure = await refusal(mdesJwe.decrypt({ encryptedValue: compressed }, network));
    expect(failure.code).toBe(CryptoFailureCode.Compressed);
  });

  it('refuses a payload encrypted for another key, even under the right key id', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { encryptedValue } = await mdesJwe.encrypt(plaintext, { publicKey: other.publicKey });
    const sameKid = withHeader(encryptedValue, {
      ...decodeProtectedHeader(encryptedValue),
      kid: publicKeyFingerprint(network.publicKey),
    });
    expect((await refusal(mdesJwe.decrypt({ encryptedValue: sameKid }, network))).code).toBe(
      CryptoFailureCode.DecryptionFailed,
    );
    const failure = await refusal(mdesJwe.decrypt({ encryptedValue }, network));
    expect(failure.code).toBe(CryptoFailureCode.UnknownKeyId);
    expect(failure.message).toMatch(/not a fingerprint of this key/);
  });

  it.each([
    [
      'the SHA-256 fingerprint of the certificate',
      () => createHash('sha256').update(network.certificateDer).digest('hex'),
    ],
    ['the SHA-1 fingerprint of the certificate', () => createHash('sha1').update(network.certificateDer).digest('hex')],
    [
      'the SHA-1 fingerprint of the public key',
      () =>
        createHash('sha1')
          .update(network.publicKey.export({ type: 'spki', format: 'der' }))
          .digest('hex'),
    ],
  ])('explains a key id that is %s', async (name, kid) => {
    const { encryptedValue } = await mdesJwe.encrypt(plaintext, network);
    const sent = withHeader(encryptedValue, { ...decodeProtectedHeader(encryptedValue), kid: kid() });
    const failure = await refusal(mdesJwe.decrypt({ encryptedValue: sent }, network));
    expect(failure.code).toBe(CryptoFailureCode.UnknownKeyId);
    expect(failure.message).toContain(`is ${name};`);
    expect(failure.message).toContain(publicKeyFingerprint(network.publicKey));
  });
});

describe('MDES legacy field-level encryption', () => {
  it('writes the fields MDES expects, and decrypts on the network side', async () => {
    const payload = await mdesFieldLevel.encrypt(plaintext, network);
    expect(Object.keys(payload).sort()).toEqual([
      'encryptedData',
      'encryptedKey',
      'iv',
      'oaepHashingAlgorithm',
      'publicKeyFingerprint',
    ]);
    expect(payload.oaepHashingAlgorithm).toBe('SHA256');
    expect(payload.publicKeyFingerprint).toBe(publicKeyFingerprint(network.publicKey));
    expect(payload.encryptedData).toMatch(/^[0-9a-f]+$/);
    expect(await mdesFieldLevel.decrypt(payload, network)).toEqual(plaintext);
  });

  it('explains a certificate fingerprint sent as the public key fingerprint', async () => {
    const payload = await mdesFieldLevel.encrypt(plaintext, network);
    const certificateFingerprint = createHash('sha256').update(network.certificateDer).digest('hex');
    const failure = await refusal(
      mdesFieldLevel.decrypt({ ...payload, publicKeyFingerprint: certificateFingerprint }, network),
    );
    expect(failure.code).toBe(CryptoFailureCode.UnknownKeyId);
    expect(failure.message).toContain('is the SHA-256 fingerprint of the certificate');
  });

  it('refuses an altered ciphertext, although the scheme carries no integrity check', async () => {
    const payload = await mdesFieldLevel.encrypt(plaintext, network);
    const data = payload.encryptedData;
    const altered = { ...payload, encryptedData: `${data.slice(0, 8)}${data[8] === '0' ? '1' : '0'}${data.slice(9)}` };
    expect((await refusal(mdesFieldLevel.decrypt(altered, network))).code).toBe(CryptoFailureCode.DecryptionFailed);
  });

  it('decrypts with the recipient key alone, as an issuer holds its own (PKCS#8, no certificate)', async () => {
    const payload = await mdesFieldLevel.encrypt(plaintext, network);
    const keyOnly = { privateKey: network.privateKey, publicKey: network.publicKey };
    expect(await mdesFieldLevel.decrypt(payload, keyOnly)).toEqual(plaintext);
    const failure = await refusal(mdesFieldLevel.decrypt({ ...payload, oaepHashingAlgorithm: 'SHA512' }, keyOnly));
    expect(failure.code).toBe(CryptoFailureCode.DecryptionFailed);
  });

  it('refuses a payload whose key was wrapped for another key', async () => {
    const other = createRsaKeyWithCertificate('another network');
    const payload = await mdesFieldLevel.encrypt(plaintext, other);
    const relabelled = { ...payload, publicKeyFingerprint: publicKeyFingerprint(network.publicKey) };
    expect((await refusal(mdesFieldLevel.decrypt(relabelled, network))).code).toBe(CryptoFailureCode.DecryptionFailed);
  });
});

describe('VTS shared-secret JWE', () => {
  const party = {
    apiKey: 'R7Q53W6KREF7DHCDXUAQ13RQPTXkdUwfMvteVPXPJhOz5xWBc',
    sharedSecret: 'ysLXF5$v+ye2yN}7x5h@C9#ymtHkNt-Q',
  };

  it('encrypts with the header Visa expects and decrypts with the same secret', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const jwe = await vtsSharedSecretJwe.encrypt(plaintext, party, now);
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'A256GCMKW',
      enc: 'A256GCM',
      kid: party.apiKey,
      typ: 'JOSE',
      channelSecurityContext: 'SHARED_SECRET',
      iat: String(now.getTime() / 1000),
    });
    expect(await vtsSharedSecretJwe.decrypt(jwe, party)).toEqual(plaintext);
  });

  it('refuses a payload encrypted with another secret, or for another API key', async () => {
    const jwe = await vtsSharedSecretJwe.encrypt(plaintext, { ...party, sharedSecret: 'not-the-secret' });
    expect((await refusal(vtsSharedSecretJwe.decrypt(jwe, party))).code).toBe(CryptoFailureCode.DecryptionFailed);
    const other = await vtsSharedSecretJwe.encrypt(plaintext, { ...party, apiKey: 'ANOTHERKEY' });
    expect((await refusal(vtsSharedSecretJwe.decrypt(other, party))).code).toBe(CryptoFailureCode.UnknownKeyId);
  });
});

describe('VTS RSA JWE', () => {
  it('encrypts for the key id Visa assigned and decrypts with its private key', async () => {
    const visa = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }), kid: 'visa-enc-2026-01' };
    const jwe = await vtsRsaJwe.encrypt(plaintext, visa);
    expect(decodeProtectedHeader(jwe)).toMatchObject({
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
      kid: 'visa-enc-2026-01',
      channelSecurityContext: 'RSA_PKI',
    });
    expect(await vtsRsaJwe.decrypt(jwe, visa)).toEqual(plaintext);
  });
});
