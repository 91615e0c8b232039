/**
 * The issuer's key operations through their handles: in this process (the file store's node:crypto) against a
 * SoftHSM2 token through PKCS#11 (the same handles the engine uses with PUSHPROV_KEY_STORE=pkcs11), one at a
 * time and 8 at once (the token's session pool). SoftHSM is an HSM in software on the same cores: a network
 * HSM adds its round trip to each operation, and takes its work off these cores.
 */
import { constants, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { openBytes, sealBytes } from '../activities/crypto/sealed-bytes.js';
import {
  fileEncryptionKey,
  fileMacKey,
  fileRsaDecryptionKey,
  fileSigningKey,
} from '../activities/keys/file-key-handles.js';
import type { EncryptionKey, MacKey, PrivateSigningKey, RsaDecryptionKey } from '../activities/keys/key-handles.js';
import { generateMissingPkcs11Keys } from '../activities/keys/pkcs11/pkcs11-key-generation.js';
import { openPkcs11Keys } from '../activities/keys/pkcs11/pkcs11-key-store.js';
import { Pkcs11Token } from '../activities/keys/pkcs11/pkcs11-token.js';
import { createSoftHsmToken } from '../test/support/softhsm.js';
import { rate } from './crypto.js';

export interface KeyHandleResult {
  operation: string;
  /** Operations per second, one at a time and 8 at once. */
  inProcess: { one: number; eight: number };
  softHsm: { one: number; eight: number };
}

interface Handles {
  payload: EncryptionKey;
  mac: MacKey;
  es256: PrivateSigningKey;
  rs256: PrivateSigningKey;
  oaep: RsaDecryptionKey;
}

function operations(handles: Handles): [string, () => Promise<unknown>][] {
  const payload = randomBytes(1024);
  const aad = Buffer.from('pushprov-payload:bench');
  const sealed = sealBytes(handles.payload, aad, payload);
  const encryptedKey = publicEncrypt(
    { key: handles.oaep.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
    randomBytes(32),
  );
  const signingInput = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJwdXNoYWNjdCJ9');
  return [
    ['payload seal, AES-256-GCM, 1 KiB', () => sealBytes(handles.payload, aad, payload)],
    ['payload open, AES-256-GCM, 1 KiB', async () => openBytes(handles.payload, aad, await sealed)],
    ['fingerprint / one-time code, HMAC-SHA-256', () => handles.mac.mac(payload.subarray(0, 64))],
    ['authentication proof, ES256', () => handles.es256.sign(signingInput)],
    ['MDES OAuth / TAV, RS256 (RSA-2048)', () => handles.rs256.sign(signingInput)],
    ['card from MDES, RSA-OAEP-256 unwrap', () => handles.oaep.decryptOaep(encryptedKey, 'sha256')],
  ];
}

function inProcessHandles(): Handles {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  return {
    payload: fileEncryptionKey('bench', randomBytes(32)),
    mac: fileMacKey('bench', randomBytes(32)),
    es256: fileSigningKey(ec),
    rs256: fileSigningKey(rsa),
    oaep: fileRsaDecryptionKey(rsa),
  };
}

export async function benchmarkKeyHandles(durationMs = 1_500): Promise<KeyHandleResult[]> {
  const hsm = await createSoftHsmToken('pushprov-bench');
  // SoftHSM reads its configuration when this process initialises its module.
  process.env.SOFTHSM2_CONF = hsm.conf;
  const token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin });
  try {
    await generateMissingPkcs11Keys(token, { rsaOaep: 'engine' });
    const keys = await openPkcs11Keys(token, { rsaOaep: 'engine' });
    const inToken: Handles = {
      payload: keys.payload.current,
      mac: keys.vault.oneTimeCode,
      es256: keys.signing.current.signer,
      rs256: keys.network.mdesOAuthSigning!,
      oaep: keys.network.mdesIssuerDecryption.at(-1)!,
    };
    const local = operations(inProcessHandles());
    const token11 = operations(inToken);
    const results: KeyHandleResult[] = [];
    for (const [index, [operation, inProcessOperation]] of local.entries()) {
      const tokenOperation = token11[index]![1];
      results.push({
        operation,
        inProcess: {
          one: await rate(inProcessOperation, durationMs),
          eight: await rate(inProcessOperation, durationMs, 8),
        },
        softHsm: { one: await rate(tokenOperation, durationMs), eight: await rate(tokenOperation, durationMs, 8) },
      });
    }
    return results;
  } finally {
    await token.close();
    await hsm.remove();
  }
}
