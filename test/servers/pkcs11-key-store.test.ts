// The PKCS#11 key store against a real SoftHSM2 token: every key generated inside it and never readable,
// every handle agreeing with node:crypto, rotation as the file store does it, and the keys:hsm command.
import { execFile } from 'node:child_process';
import { constants, createCipheriv, createHmac, publicEncrypt, randomBytes, verify, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, exportJWK } from 'jose';
import pkcs11js, { type Template } from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DecryptionRefusedError, type PrivateSigningKey } from '../../activities/keys/key-handles.js';
import { booleanAttribute, findObjects, textAttribute } from '../../activities/keys/pkcs11/pkcs11-attributes.js';
import { auditProblems, keyObjectAudit } from '../../activities/keys/pkcs11/pkcs11-key-audit.js';
import {
  generateMissingPkcs11Keys,
  rotatePkcs11Key,
  type GeneratedKey,
} from '../../activities/keys/pkcs11/pkcs11-key-generation.js';
import { pkcs11EncryptionKey, pkcs11MacKey } from '../../activities/keys/pkcs11/pkcs11-key-handles.js';
import { pkcs11KeyPurposes, type Pkcs11KeyPurpose } from '../../activities/keys/pkcs11/pkcs11-key-purposes.js';
import {
  MissingPkcs11KeyError,
  openPkcs11Keys,
  publicKeysForNetworks,
  type Pkcs11Keys,
} from '../../activities/keys/pkcs11/pkcs11-key-store.js';
import { pkcs11SettingsFrom } from '../../activities/keys/pkcs11/pkcs11-settings.js';
import type { TokenObject } from '../../activities/keys/pkcs11/pkcs11-token-object.js';
import { Pkcs11OperationError, Pkcs11Token, returnValueOf } from '../../activities/keys/pkcs11/pkcs11-token.js';
import {
  createSoftHsmToken,
  destroyKey,
  importSecretKey as importKnownKey,
  type SoftHsmToken,
} from '../support/softhsm.js';

const run = promisify(execFile);
const networkPurposes: Pkcs11KeyPurpose[] = ['mdes-oauth-signing', 'mdes-tav-signing', 'mdes-issuer-decryption'];
// SoftHSM2 2.6 does RSA-OAEP with SHA-1 only: its decryption keys are made for the raw operation.
const forSoftHsm = { rsaOaep: 'engine' } as const;
const enginePurposes = pkcs11KeyPurposes.filter((purpose) => !networkPurposes.includes(purpose));

let hsm: SoftHsmToken;
let token: Pkcs11Token;
let savedConf: string | undefined;
// What happened on the way from an empty token to a full one, asserted by the first tests.
let openedEmpty: unknown;
let generatedFirst: GeneratedKey[];
let withoutNetworkKeys: Pkcs11Keys;
let generatedThen: GeneratedKey[];
let generatedAgain: GeneratedKey[];

beforeAll(async () => {
  hsm = await createSoftHsmToken();
  // SoftHSM reads its configuration from this process's environment when the module is initialised.
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = hsm.conf;
  token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin });
  openedEmpty = await openPkcs11Keys(token, { rsaOaep: 'engine' }).catch((error: unknown) => error);
  generatedFirst = await generateMissingPkcs11Keys(token, forSoftHsm, enginePurposes);
  withoutNetworkKeys = await openPkcs11Keys(token, { rsaOaep: 'engine' });
  generatedThen = await generateMissingPkcs11Keys(token, forSoftHsm);
  generatedAgain = await generateMissingPkcs11Keys(token, forSoftHsm);
});

afterAll(async () => {
  await token?.close();
  await hsm?.remove();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
});

const open = (rsaOaep: 'token' | 'engine' = 'engine'): Promise<Pkcs11Keys> =>
  openPkcs11Keys(token, { rsaOaep, signingOverlapMs: 60_000 });

const importSecretKey = (value: Buffer, keyType: number, usage: Template) =>
  importKnownKey(token, value, keyType, usage);
const destroy = (key: TokenObject) => destroyKey(token, key);

function es256Jws(payload: object, kid: string, signer: PrivateSigningKey): Promise<string> {
  const encode = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'ES256', kid })}.${encode(payload)}`;
  return signer
    .sign(Buffer.from(signingInput))
    .then((signature) => `${signingInput}.${signature.toString('base64url')}`);
}

function oaepEncrypt(publicKey: KeyObject, hash: 'sha256' | 'sha512', data: Buffer): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
}

describe('generating the keys in the token', () => {
  it('refuses a token without keys, naming the purpose missing and the command that creates it', () => {
    expect(openedEmpty).toBeInstanceOf(MissingPkcs11KeyError);
    expect((openedEmpty as Error).message).toContain('no vault-encryption key');
    expect((openedEmpty as Error).message).toContain('npm run keys:hsm -- init');
    expect((openedEmpty as Error).message).toContain(hsm.tokenLabel);
  });

  it('generates every purpose, only what is missing, and opens without the network keys too', async () => {
    expect(generatedFirst.map((key) => key.purpose)).toEqual(enginePurposes);
    expect(generatedThen.map((key) => key.purpose)).toEqual(networkPurposes);
    expect(generatedAgain).toEqual([]);
    expect(withoutNetworkKeys.network).toEqual({ mdesIssuerDecryption: [] });
    expect(withoutNetworkKeys.vault.currentEncryption.kid).toBe(
      generatedFirst.find((key) => key.purpose === 'vault-encryption')?.kid,
    );

    const keys = await open();
    for (const key of [...generatedFirst, ...generatedThen]) {
      expect(key.label).toMatch(new RegExp(`^pushprov:${key.purpose}:\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z$`));
    }
    const secretKids = generatedFirst.filter((key) => key.purpose !== 'issuer-signing').map((key) => key.kid);
    for (const kid of secretKids) expect(kid).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[\da-f]{4}-[\da-f]{12}$/);
    expect(new Set(secretKids).size).toBe(secretKids.length);
    const signing = keys.signing.current;
    expect(signing.kid).toBe(await calculateJwkThumbprint(await exportJWK(signing.signer.publicKey)));
    expect(signing.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: signing.kid, alg: 'ES256', use: 'sig' });
    expect(signing.publicJwk).not.toHaveProperty('d');
    expect(keys.network.mdesOAuthSigning?.alg).toBe('RS256');
    expect(keys.network.mdesTavSigning?.alg).toBe('RS256');
    expect(keys.network.mdesIssuerDecryption).toHaveLength(1);
    for (const publicKey of [keys.network.mdesOAuthSigning?.publicKey, keys.network.mdesTavSigning?.publicKey]) {
      expect(publicKey?.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
  });

  it('grants each key only the usage its purpose needs', async () => {
    const { CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE, CKA_SIGN_RECOVER } =
      pkcs11js;
    const flags = await token.withSession('reading usage flags', (session) => {
      const of = (objectClass: number, types: number[]) =>
        findObjects(token.pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: objectClass }]).map((object) =>
          types.filter((type) => booleanAttribute(token.pkcs11, session, object, type)),
        );
      return {
        secret: of(pkcs11js.CKO_SECRET_KEY, [
          CKA_ENCRYPT,
          CKA_DECRYPT,
          CKA_SIGN,
          CKA_VERIFY,
          CKA_WRAP,
          CKA_UNWRAP,
          CKA_DERIVE,
        ]),
        private: of(pkcs11js.CKO_PRIVATE_KEY, [CKA_DECRYPT, CKA_SIGN, CKA_SIGN_RECOVER, CKA_UNWRAP, CKA_DERIVE]),
      };
    });
    // Two AES keys (vault, payload) and two HMAC keys (fingerprint, one-time code); three signing keys, one decrypting.
    expect(flags.secret.map(String).sort()).toEqual(
      [
        [CKA_ENCRYPT, CKA_DECRYPT],
        [CKA_ENCRYPT, CKA_DECRYPT],
        [CKA_SIGN, CKA_VERIFY],
        [CKA_SIGN, CKA_VERIFY],
      ]
        .map(String)
        .sort(),
    );
    expect(flags.private.map(String).sort()).toEqual(
      [[CKA_DECRYPT], [CKA_SIGN], [CKA_SIGN], [CKA_SIGN]].map(String).sort(),
    );
  });

  it('allows each key only the mechanisms the engine uses it with, and the token holds it to them', async () => {
    const byPurpose = new Map(
      (await keyObjectAudit(token)).map((entry) => [entry.label.split(':')[1], entry.allowedMechanisms]),
    );
    expect(Object.fromEntries(byPurpose)).toEqual({
      'vault-encryption': ['CKM_AES_GCM'],
      payload: ['CKM_AES_GCM'],
      'vault-fingerprint': ['CKM_SHA256_HMAC'],
      'one-time-code': ['CKM_SHA256_HMAC'],
      'issuer-signing': ['CKM_ECDSA'],
      'mdes-oauth-signing': ['CKM_SHA256_RSA_PKCS'],
      'mdes-tav-signing': ['CKM_SHA256_RSA_PKCS'],
      // Made for PKCS11_RSA_OAEP=engine: the raw operation, and not OAEP with SHA-1, which SoftHSM would do.
      'mdes-issuer-decryption': ['CKM_RSA_X_509'],
    });
    const refusals = await token.withSession('using keys in other modes', (session) => {
      const objectOf = (purpose: Pkcs11KeyPurpose) =>
        findObjects(token.pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY }])
          .concat(findObjects(token.pkcs11, session, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]))
          .find((object) =>
            textAttribute(token.pkcs11, session, object, pkcs11js.CKA_LABEL).startsWith(`pushprov:${purpose}:`),
          )!;
      const refusal = (init: () => void): string | undefined => {
        try {
          init();
          return undefined;
        } catch (error) {
          return returnValueOf(error);
        }
      };
      const { pkcs11 } = token;
      return {
        aesEcb: refusal(() => pkcs11.C_EncryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, objectOf('payload'))),
        aesCbc: refusal(() =>
          pkcs11.C_EncryptInit(
            session,
            { mechanism: pkcs11js.CKM_AES_CBC_PAD, parameter: randomBytes(16) },
            objectOf('vault-encryption'),
          ),
        ),
        hmacSha1: refusal(() =>
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA_1_HMAC }, objectOf('one-time-code')),
        ),
        rsaPkcs1: refusal(() =>
          pkcs11.C_DecryptInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS }, objectOf('mdes-issuer-decryption')),
        ),
        rsaRawSigning: refusal(() =>
          pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_RSA_X_509 }, objectOf('mdes-oauth-signing')),
        ),
      };
    });
    expect(refusals).toEqual({
      aesEcb: 'CKR_MECHANISM_INVALID',
      aesCbc: 'CKR_MECHANISM_INVALID',
      hmacSha1: 'CKR_MECHANISM_INVALID',
      rsaPkcs1: 'CKR_MECHANISM_INVALID',
      rsaRawSigning: 'CKR_MECHANISM_INVALID',
    });
  });
});

describe('the handles', () => {
  it('AES-256-GCM: the same ciphertext and tag as node:crypto for the same key, IV and AAD', async () => {
    const value = randomBytes(32);
    const object = await importSecretKey(value, pkcs11js.CKK_AES, [
      { type: pkcs11js.CKA_ENCRYPT, value: true },
      { type: pkcs11js.CKA_DECRYPT, value: true },
    ]);
    try {
      const key = pkcs11EncryptionKey(token, 'known', object);
      const [iv, plaintext, aad] = [randomBytes(12), randomBytes(45), Buffer.from('card:42')];
      const cipher = createCipheriv('aes-256-gcm', value, iv).setAAD(aad);
      const expected = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const sealed = await key.encrypt(iv, plaintext, aad);
      expect(sealed.ciphertext.equals(expected)).toBe(true);
      expect(sealed.tag.equals(cipher.getAuthTag())).toBe(true);
      expect((await key.decrypt(iv, sealed.ciphertext, sealed.tag, aad)).equals(plaintext)).toBe(true);
    } finally {
      await destroy(object);
    }
  });

  it('AES-256-GCM with the generated keys: round trip, and any tampering refused without the data in the error', async () => {
    const { vault, payload } = await open();
    const key = vault.currentEncryption;
    const [iv, plaintext, aad] = [randomBytes(12), Buffer.from('5500000000000004'), Buffer.from('enrollment-1')];
    const { ciphertext, tag } = await key.encrypt(iv, plaintext, aad);
    expect(ciphertext).toHaveLength(plaintext.length);
    expect(tag).toHaveLength(16);
    expect((await key.decrypt(iv, ciphertext, tag, aad)).toString()).toBe('5500000000000004');

    const flipped = (bytes: Buffer): Buffer => Buffer.from(bytes.map((byte, index) => (index === 0 ? byte ^ 1 : byte)));
    const refusals = await Promise.all(
      [
        key.decrypt(iv, flipped(ciphertext), tag, aad),
        key.decrypt(iv, ciphertext, flipped(tag), aad),
        key.decrypt(iv, ciphertext, tag, Buffer.from('enrollment-2')),
        key.decrypt(flipped(iv), ciphertext, tag, aad),
        payload.current.decrypt(iv, ciphertext, tag, aad),
      ].map((attempt) => attempt.catch((caught: unknown) => caught)),
    );
    // Refused, not failed: the data is at fault, so trying again would not help (the payload codec stops there).
    for (const error of refusals) {
      expect(error).toBeInstanceOf(DecryptionRefusedError);
      expect((error as Error).message).toMatch(
        /^AES-GCM decryption with key [\w-]+: the token refused the data \(CKR_\w+\)$/,
      );
      expect(((error as Error).cause as Error).message).toMatch(/ on token "pushprov-test" failed: CKR_\w+$/);
    }
  });

  it('HMAC-SHA-256: what node:crypto computes for a known key; deterministic and different per generated key', async () => {
    const value = randomBytes(32);
    const object = await importSecretKey(value, pkcs11js.CKK_GENERIC_SECRET, [
      { type: pkcs11js.CKA_SIGN, value: true },
    ]);
    try {
      const data = Buffer.from('5500000000000004');
      expect(
        (await pkcs11MacKey(token, 'known', object).mac(data)).equals(
          createHmac('sha256', value).update(data).digest(),
        ),
      ).toBe(true);
    } finally {
      await destroy(object);
    }

    const { vault } = await open();
    const data = Buffer.from('5500000000000004');
    const [first, again, otherKey] = await Promise.all([
      vault.fingerprint.mac(data),
      vault.fingerprint.mac(data),
      vault.oneTimeCode.mac(data),
    ]);
    expect(first).toHaveLength(32);
    expect(again.equals(first)).toBe(true);
    expect(otherKey.equals(first)).toBe(false);
    expect((await vault.fingerprint.mac(Buffer.from('5500000000000012'))).equals(first)).toBe(false);
  });

  it('runs many operations at once over its bounded sessions, each answer the right one', async () => {
    const { vault } = await open();
    const inputs = Array.from({ length: 40 }, (_, index) => Buffer.from(`card ${index}`));
    const sequential: Buffer[] = [];
    for (const input of inputs) sequential.push(await vault.fingerprint.mac(input));
    const concurrent = await Promise.all(inputs.map((input) => vault.fingerprint.mac(input)));
    expect(concurrent.map((mac) => mac.toString('hex'))).toEqual(sequential.map((mac) => mac.toString('hex')));
  });

  it('ES256: node and jose verify its signatures with the published key', async () => {
    const { signing } = await open();
    const key = signing.current;
    const data = Buffer.from('authentication proof');
    const signature = await key.signer.sign(data);
    expect(signature).toHaveLength(64);
    expect(verify('sha256', data, { key: key.signer.publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    expect(
      verify(
        'sha256',
        Buffer.from('another proof'),
        { key: key.signer.publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    ).toBe(false);

    const jws = await es256Jws({ sub: 'enrollment-1' }, key.kid, key.signer);
    const verified = await compactVerify(jws, createLocalJWKSet(signing.jwks()));
    expect(verified.protectedHeader).toEqual({ alg: 'ES256', kid: key.kid });
    expect(JSON.parse(Buffer.from(verified.payload).toString())).toEqual({ sub: 'enrollment-1' });
  });

  it('RS256: node verifies the MDES OAuth and TAV signatures, each with its own key only', async () => {
    const { network } = await open();
    const data = Buffer.from('oauth_body_hash=...&oauth_nonce=...');
    const oauth = network.mdesOAuthSigning!;
    const tav = network.mdesTavSigning!;
    const [oauthSignature, tavSignature] = await Promise.all([oauth.sign(data), tav.sign(data)]);
    expect(oauthSignature).toHaveLength(256);
    expect(verify('sha256', data, oauth.publicKey, oauthSignature)).toBe(true);
    expect(verify('sha256', data, tav.publicKey, tavSignature)).toBe(true);
    expect(verify('sha256', data, tav.publicKey, oauthSignature)).toBe(false);
    expect(verify('sha256', Buffer.from('tampered'), oauth.publicKey, oauthSignature)).toBe(false);
  });

  it('RSA-OAEP in the engine: decrypts what node encrypted with SHA-256 and SHA-512, refuses what it did not', async () => {
    const [key] = (await open('engine')).network.mdesIssuerDecryption;
    const cek = randomBytes(32);
    for (const hash of ['sha256', 'sha512'] as const) {
      expect((await key!.decryptOaep(oaepEncrypt(key!.publicKey, hash, cek), hash)).equals(cek)).toBe(true);
    }
    const sha256 = oaepEncrypt(key!.publicKey, 'sha256', cek);
    await expect(key!.decryptOaep(sha256, 'sha512')).rejects.toThrow(DecryptionRefusedError);
    await expect(key!.decryptOaep(sha256, 'sha512')).rejects.toThrow(/refused the data: it does not decode as OAEP$/);
    sha256.writeUInt8(sha256.readUInt8(10) ^ 1, 10);
    await expect(key!.decryptOaep(sha256, 'sha256')).rejects.toThrow(DecryptionRefusedError);
  });

  it('RSA-OAEP in the token, with a key made for the engine: the key refuses it, in an error that says what to do', async () => {
    const [key] = (await open('token')).network.mdesIssuerDecryption;
    const error = (await key!
      .decryptOaep(oaepEncrypt(key!.publicKey, 'sha256', randomBytes(32)), 'sha256')
      .catch((caught: unknown) => caught)) as Pkcs11OperationError;
    expect(error).toBeInstanceOf(Pkcs11OperationError);
    // The key allows the raw operation only (it would be CKR_ARGUMENTS_BAD, SoftHSM 2.6's refusal of
    // SHA-256, for a key made for the token).
    expect(error.returnValue).toBe('CKR_MECHANISM_INVALID');
    expect(error.message).toContain('RSA-OAEP (sha256) decryption with key pushprov:mdes-issuer-decryption:');
    expect(error.message).toContain(`on token "${hsm.tokenLabel}"`);
    expect(error.message).toContain('PKCS11_RSA_OAEP=engine removes the padding in the engine');
    expect(error.message).toContain('the key was made for PKCS11_RSA_OAEP=engine');
  });

  it('a second token on the same module shares its initialisation, keeps to its sessions, and closes alone', async () => {
    const second = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, maxSessions: 2 });
    const fromSecond = await openPkcs11Keys(second, { rsaOaep: 'engine' });
    const opened = vi.spyOn(token.pkcs11, 'C_OpenSession');
    const inputs = Array.from({ length: 20 }, (_, index) => Buffer.from(`card ${index}`));
    let macs: Buffer[];
    try {
      macs = await Promise.all(inputs.map((input) => fromSecond.vault.fingerprint.mac(input)));
      // openPkcs11Keys took one session; the twenty operations waited for the second and the first.
      expect(opened).toHaveBeenCalledTimes(1);
    } finally {
      opened.mockRestore();
    }
    await second.close();
    const fromFirst = await open();
    for (const [index, input] of inputs.entries()) {
      expect((await fromFirst.vault.fingerprint.mac(input)).equals(macs[index]!)).toBe(true);
    }
    await expect(fromSecond.vault.fingerprint.mac(inputs[0]!)).rejects.toThrow(
      /on token "pushprov-test" failed: the token is closed/,
    );
  });
});

describe('opening a token', () => {
  it('names the token and the module when there is no such token', () => {
    expect(() => Pkcs11Token.open({ module: hsm.module, tokenLabel: 'no-such-token', pin: hsm.pin })).toThrow(
      `opening token "no-such-token" with ${hsm.module} failed: the module has no token of that label`,
    );
  });
});

describe('rotation', () => {
  it('adds newer keys: they encrypt and sign, the old ones still decrypt and verify, the old signing key retires', async () => {
    const before = await open();
    const [iv, aad] = [randomBytes(12), Buffer.from('aad')];
    const vaultSealed = await before.vault.currentEncryption.encrypt(iv, Buffer.from('vault'), aad);
    const payloadSealed = await before.payload.current.encrypt(iv, Buffer.from('payload'), aad);
    const oldJws = await es256Jws({ sub: 'old' }, before.signing.current.kid, before.signing.current.signer);
    const oldFingerprint = await before.vault.fingerprint.mac(Buffer.from('pan'));

    const rotated = Object.fromEntries(
      await Promise.all(
        (['vault-encryption', 'vault-fingerprint', 'payload', 'issuer-signing', 'mdes-issuer-decryption'] as const).map(
          async (purpose) => [purpose, await rotatePkcs11Key(token, purpose, forSoftHsm)] as const,
        ),
      ),
    ) as Record<Pkcs11KeyPurpose, GeneratedKey>;
    const after = await open();

    expect(after.vault.currentEncryption.kid).toBe(rotated['vault-encryption'].kid);
    const oldVaultKey = after.vault.encryptionKey(before.vault.currentEncryption.kid)!;
    expect((await oldVaultKey.decrypt(iv, vaultSealed.ciphertext, vaultSealed.tag, aad)).toString()).toBe('vault');
    expect(after.payload.current.kid).toBe(rotated.payload.kid);
    const oldPayloadKey = after.payload.key(before.payload.current.kid)!;
    expect((await oldPayloadKey.decrypt(iv, payloadSealed.ciphertext, payloadSealed.tag, aad)).toString()).toBe(
      'payload',
    );
    await expect(after.payload.current.decrypt(iv, payloadSealed.ciphertext, payloadSealed.tag, aad)).rejects.toThrow();

    expect(after.vault.fingerprint.kid).toBe(rotated['vault-fingerprint'].kid);
    expect(after.vault.fingerprintKeys.map((key) => key.kid)).toEqual([
      rotated['vault-fingerprint'].kid,
      before.vault.fingerprint.kid,
    ]);
    expect((await after.vault.fingerprintKeys[1]!.mac(Buffer.from('pan'))).equals(oldFingerprint)).toBe(true);

    const newKey = after.signing.current;
    expect(newKey.kid).toBe(rotated['issuer-signing'].kid);
    const now = new Date();
    expect(after.signing.jwks(now).keys.map((key) => key.kid)).toEqual([before.signing.current.kid, newKey.kid]);
    expect(after.signing.jwks(new Date(newKey.createdAt.getTime() + 61_000)).keys.map((key) => key.kid)).toEqual([
      newKey.kid,
    ]);
    await expect(compactVerify(oldJws, createLocalJWKSet(after.signing.jwks(now)))).resolves.toBeDefined();
    const newJws = await es256Jws({ sub: 'new' }, newKey.kid, newKey.signer);
    await expect(compactVerify(newJws, createLocalJWKSet(after.signing.jwks(now)))).resolves.toBeDefined();

    const decryption = after.network.mdesIssuerDecryption;
    expect(decryption).toHaveLength(2);
    const cek = randomBytes(32);
    for (const key of decryption) {
      expect((await key.decryptOaep(oaepEncrypt(key.publicKey, 'sha512', cek), 'sha512')).equals(cek)).toBe(true);
    }
    expect(decryption[0]!.publicKey.equals(before.network.mdesIssuerDecryption[0]!.publicKey)).toBe(true);
    const exported = await publicKeysForNetworks(token);
    expect(exported.mdesIssuerDecryptionPublicKeyPems).toEqual(
      decryption.map((key) => key.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
    );
  });
});

describe('the audit', () => {
  it('finds no private or secret key object that could be read or exported', async () => {
    const audit = await keyObjectAudit(token);
    // Eight purposes, then five rotated.
    expect(audit).toHaveLength(13);
    expect(audit.filter((entry) => entry.objectClass === 'private')).toHaveLength(6);
    for (const entry of audit) {
      expect(entry.label).toMatch(/^pushprov:/);
      expect(entry).toMatchObject({
        extractable: false,
        sensitive: true,
        neverExtractable: true,
        alwaysSensitive: true,
        secretReadRefused: true,
        secretReadReturnValue: 'CKR_ATTRIBUTE_SENSITIVE',
      });
      expect(auditProblems(entry)).toEqual([]);
    }
  });

  it('would report a key imported readable', async () => {
    const object = await importSecretKey(randomBytes(32), pkcs11js.CKK_AES, [
      { type: pkcs11js.CKA_SENSITIVE, value: false },
      { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    ]);
    try {
      const imported = (await keyObjectAudit(token)).find((entry) => entry.label.startsWith('test-import:'));
      expect(imported).toMatchObject({ extractable: true, sensitive: false, secretReadRefused: false });
      expect(imported).not.toHaveProperty('secretReadReturnValue');
      expect(auditProblems(imported!)).toEqual([
        'extractable',
        'not sensitive',
        'was extractable once',
        'was not always sensitive',
        'its secret part was read',
        'any mechanism allowed',
      ]);
    } finally {
      await destroy(object);
    }
  });
});

describe('npm run keys:hsm', () => {
  let cliToken: SoftHsmToken;
  const cli = (args: string[], env: Record<string, string> = cliToken.env) =>
    run('npx', ['tsx', 'deploy/hsm-keys.ts', ...args], { env: { ...process.env, ...env } });

  beforeAll(async () => {
    // A token of its own: the command runs in another process, where SoftHSM is initialised afresh.
    cliToken = await createSoftHsmToken('pushprov-cli');
  });

  afterAll(async () => {
    await cliToken?.remove();
  });

  it('init creates every key and prints labels and key ids only; list shows each, none readable', async () => {
    const init = await cli(['init']);
    const created = init.stdout.trim().split('\n');
    expect(created.at(-1)).toBe('8 keys created');
    expect(
      created.slice(0, -1).map((line) => line.match(/^created pushprov:([a-z-]+):\S+Z \(kid [\w-]{36,43}\)$/)?.[1]),
    ).toEqual(pkcs11KeyPurposes);

    const list = await cli(['list']);
    const lines = list.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('8 key objects in token "pushprov-cli", 0 problems');
    for (const line of lines.slice(0, -1)) {
      expect(line).toMatch(
        /^pushprov:[a-z-]+:\S+Z {2}(private|secret) {2}extractable=false sensitive=true neverExtractable=true alwaysSensitive=true secret read refused \(CKR_ATTRIBUTE_SENSITIVE\) mechanisms=CKM_[A-Z0-9_]+$/,
      );
    }
    expect((await cli(['init'])).stdout).toBe('token "pushprov-cli" holds every key already\n');
  });

  it('public-keys writes the public halves to register with the networks', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-public-keys-'));
    try {
      const out = path.join(dir, 'public-keys.json');
      await cli(['public-keys', '--out', out]);
      const written = JSON.parse(await readFile(out, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(written).sort()).toEqual([
        'mdesIssuerDecryptionPublicKeyPems',
        'mdesOAuthSigningPublicKeyPem',
        'mdesTavSigningPublicKeyPem',
      ]);
      const pems = [
        written.mdesOAuthSigningPublicKeyPem,
        written.mdesTavSigningPublicKeyPem,
        ...(written.mdesIssuerDecryptionPublicKeyPems as unknown[]),
      ];
      expect(pems).toHaveLength(3);
      for (const pem of pems) expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says which variable is missing, and what a wrong command is', async () => {
    const { PKCS11_PIN: _pin, ...withoutPin } = cliToken.env;
    const failed = await cli(['list'], { ...withoutPin, PKCS11_PIN: '' }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('PKCS11_PIN');

    const wrongPin = randomBytes(6).toString('hex');
    const refused = await cli(['list'], { ...cliToken.env, PKCS11_PIN: wrongPin }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stderr: string }).stderr).toBe(
      'the key object audit on token "pushprov-cli" failed: CKR_PIN_INCORRECT\n',
    );

    const wrong = await cli(['rotate', 'everything']).catch((error: { code: number; stderr: string }) => error);
    expect(wrong).toMatchObject({ code: 1 });
    expect((wrong as { stderr: string }).stderr).toContain('usage: npm run keys:hsm');
  });
});

describe('the settings', () => {
  it('reads the PIN from its file, without the newline a mounted secret ends with', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-pin-'));
    try {
      await writeFile(path.join(dir, 'pin'), '8731\n');
      await expect(
        pkcs11SettingsFrom({
          PKCS11_MODULE: '/lib/p11.so',
          PKCS11_TOKEN_LABEL: 'issuer',
          PKCS11_PIN_FILE: path.join(dir, 'pin'),
        }),
      ).resolves.toEqual({ module: '/lib/p11.so', tokenLabel: 'issuer', pin: '8731', rsaOaep: 'token' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the variable that is missing', async () => {
    await expect(pkcs11SettingsFrom({ PKCS11_TOKEN_LABEL: 'issuer', PKCS11_PIN: '1' })).rejects.toThrow(
      /^PKCS11_MODULE is not set/,
    );
    await expect(pkcs11SettingsFrom({ PKCS11_MODULE: '/lib/p11.so', PKCS11_PIN: '1' })).rejects.toThrow(
      /^PKCS11_TOKEN_LABEL is not set/,
    );
    await expect(pkcs11SettingsFrom({ PKCS11_MODULE: '/lib/p11.so', PKCS11_TOKEN_LABEL: 'issuer' })).rejects.toThrow(
      /PKCS11_PIN nor PKCS11_PIN_FILE/,
    );
  });
});
