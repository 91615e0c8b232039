import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../../activities/crypto/encryption/fingerprints.js';
import { IssuerKeyStore } from '../../activities/keys/key-store.js';
import {
  InvalidNetworkCredentialsError,
  NetworkCredentials,
  type NetworkCredentialsDocument,
} from '../../activities/keys/network-credentials.js';
import { createRsaKeyWithCertificate } from '../../activities/keys/rsa-key-with-certificate.js';

const oldMdesKey = createRsaKeyWithCertificate('MDES encryption 2025');
const newMdesKey = createRsaKeyWithCertificate('MDES encryption 2026');
const oauthKey = createRsaKeyWithCertificate('issuer OAuth');
const jwks = { keys: [{ kty: 'RSA', kid: 'network-1', n: 'AQAB', e: 'AQAB' }] };

const document: NetworkCredentialsDocument = {
  issuerId: 'issuer-1',
  mdes: {
    baseUrl: 'http://127.0.0.1:4010',
    consumerKey: 'consumer!key',
    signingKeyPem: oauthKey.privateKeyPem,
    encryptionCertificates: [oldMdesKey.certificatePem, newMdesKey.certificatePem],
    networkJwks: jwks,
    proofAudience: 'MDES',
  },
  vts: {
    baseUrl: 'http://127.0.0.1:4020',
    apiKey: 'APIKEY',
    sharedSecrets: ['a-shared-secret-of-length'],
    encryptionKeys: [
      { kid: 'VISA-KID-1', publicKeyPem: newMdesKey.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    ],
    networkJwks: jwks,
    proofAudience: 'VTS',
  },
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-credentials-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('network credentials', () => {
  it('indexes the network encryption keys by kid; the newest encrypts, the older one is still found', () => {
    const credentials = NetworkCredentials.parse(document);
    expect(credentials.currentEncryptionKey('mdes').kid).toBe(publicKeyFingerprint(newMdesKey.publicKey));
    expect(credentials.encryptionKey('mdes', publicKeyFingerprint(oldMdesKey.publicKey))).toBeDefined();
    expect(credentials.encryptionKey('vts', 'VISA-KID-1')).toBeDefined();
    expect(credentials.encryptionKey('vts', 'unknown')).toBeUndefined();
    expect(credentials.mdes.encryptionProfile).toBe('mdes-jwe');
  });

  it('names every invalid field, and a key that does not load', () => {
    const broken = { ...document, mdes: { ...document.mdes, baseUrl: 'not a url', encryptionCertificates: [] } };
    expect(() => NetworkCredentials.parse(broken)).toThrow(InvalidNetworkCredentialsError);
    expect(() => NetworkCredentials.parse(broken)).toThrow(/mdes\.baseUrl: .*; mdes\.encryptionCertificates: /);
    const badPem = { ...document, mdes: { ...document.mdes, signingKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n' } };
    expect(() => NetworkCredentials.parse(badPem)).toThrow(/hold a key that does not load/);
  });

  it('loads from the environment before the file, and says where a missing file was expected', async () => {
    const file = path.join(dir, 'credentials.json');
    await writeFile(file, JSON.stringify({ ...document, issuerId: 'from-file' }));
    expect((await NetworkCredentials.load({ file })).issuerId).toBe('from-file');
    expect((await NetworkCredentials.load({ json: JSON.stringify(document), file })).issuerId).toBe('issuer-1');
    await expect(NetworkCredentials.load({ file: path.join(dir, 'missing.json') })).rejects.toThrow(
      /No network credentials at .*missing\.json/,
    );
    await expect(NetworkCredentials.load({ json: '{nope', file })).rejects.toThrow(
      /PUSHPROV_NETWORK_CREDENTIALS is not JSON/,
    );
  });

  it('opens the whole key store: signing keys generated in development, network credentials from their file', async () => {
    const file = path.join(dir, 'store-credentials.json');
    await writeFile(file, JSON.stringify(document));
    const store = await IssuerKeyStore.open({
      keysDir: path.join(dir, 'keys'),
      networkCredentialsFile: file,
      generateIfMissing: true,
    });
    expect(store.jwks().keys).toHaveLength(1);
    expect(store.networks.vts.apiKey).toBe('APIKEY');
    await expect(
      IssuerKeyStore.open({
        keysDir: path.join(dir, 'other-keys'),
        networkCredentialsFile: file,
        generateIfMissing: false,
      }),
    ).rejects.toThrow(/No issuer signing keys/);
  });

  it("picks the issuer's own MDES decryption key by its fingerprint, the newest being the current one", () => {
    expect(NetworkCredentials.parse(document).currentIssuerDecryptionKey('mdes')).toBeUndefined();
    const [older, newer] = [createRsaKeyWithCertificate('issuer 2025'), createRsaKeyWithCertificate('issuer 2026')];
    const credentials = NetworkCredentials.parse({
      ...document,
      mdes: { ...document.mdes, issuerDecryptionKeys: [older.privateKeyPem, newer.privateKeyPem] },
    });
    const olderKey = credentials.issuerDecryptionKey('mdes', publicKeyFingerprint(older.publicKey));
    expect(olderKey?.publicKey.equals(older.publicKey)).toBe(true);
    expect(credentials.currentIssuerDecryptionKey('mdes')?.kid).toBe(publicKeyFingerprint(newer.publicKey));
    expect(credentials.issuerDecryptionKey('mdes', publicKeyFingerprint(newMdesKey.publicKey))).toBeUndefined();
  });

  it("loads the issuer's TAV signing key when it has one, and refuses a key of those that is not RSA", () => {
    expect(NetworkCredentials.parse(document).mdes.tavSigningKey).toBeUndefined();
    const tav = createRsaKeyWithCertificate('issuer TAV');
    const withTav = NetworkCredentials.parse({
      ...document,
      mdes: { ...document.mdes, tavSigningKeyPem: tav.privateKeyPem },
    });
    expect(withTav.mdes.tavSigningKey?.alg).toBe('RS256');
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const mdes of [{ tavSigningKeyPem: ecPem }, { issuerDecryptionKeys: [ecPem] }]) {
      expect(() => NetworkCredentials.parse({ ...document, mdes: { ...document.mdes, ...mdes } })).toThrow(
        /hold a key that does not load \(expected an RSA key, found ec\)/,
      );
    }
  });
});
