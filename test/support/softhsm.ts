/** A throwaway SoftHSM2 token, in a folder of its own, for the PKCS#11 key store's tests, and known keys in it. */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pkcs11js, { type Template } from 'pkcs11js';
import { TokenObject } from '../../activities/keys/pkcs11/pkcs11-token-object.js';
import type { Pkcs11Token } from '../../activities/keys/pkcs11/pkcs11-token.js';
import { softHsmModulePaths } from '../../stack/prerequisites.js';

export interface SoftHsmToken {
  module: string;
  tokenLabel: string;
  pin: string;
  /** The softhsm2.conf that names this token's folder: SoftHSM reads SOFTHSM2_CONF when it is initialised. */
  conf: string;
  /** What a process that uses the token needs in its environment. */
  env: {
    SOFTHSM2_CONF: string;
    PUSHPROV_KEY_STORE: 'pkcs11';
    PKCS11_MODULE: string;
    PKCS11_TOKEN_LABEL: string;
    PKCS11_PIN: string;
    PKCS11_RSA_OAEP: 'engine';
  };
  remove(): Promise<void>;
}

export function softHsmModule(): string {
  const found = softHsmModulePaths.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      `SoftHSM2 is not installed (looked for ${softHsmModulePaths.join(', ')}): sudo apt-get install softhsm2`,
    );
  }
  return found;
}

export async function createSoftHsmToken(tokenLabel = 'pushprov-test'): Promise<SoftHsmToken> {
  const module = softHsmModule();
  const dir = await mkdtemp(path.join(tmpdir(), 'pushprov-softhsm-'));
  const tokenDir = path.join(dir, 'tokens');
  await mkdir(tokenDir, { mode: 0o700 });
  const conf = path.join(dir, 'softhsm2.conf');
  await writeFile(conf, `directories.tokendir = ${tokenDir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  const pin = randomBytes(8).toString('hex');
  await promisify(execFile)(
    'softhsm2-util',
    ['--init-token', '--free', '--label', tokenLabel, '--pin', pin, '--so-pin', randomBytes(8).toString('hex')],
    { env: { ...process.env, SOFTHSM2_CONF: conf } },
  );
  return {
    module,
    tokenLabel,
    pin,
    conf,
    env: {
      SOFTHSM2_CONF: conf,
      PUSHPROV_KEY_STORE: 'pkcs11',
      PKCS11_MODULE: module,
      PKCS11_TOKEN_LABEL: tokenLabel,
      PKCS11_PIN: pin,
      PKCS11_RSA_OAEP: 'engine',
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A secret key made in the token from known bytes (tests only, so that node:crypto can compute what the token
 * should answer), named `test-import:<uuid>` and findable again by that label.
 */
export async function importSecretKey(
  token: Pkcs11Token,
  value: Buffer,
  keyType: number,
  usage: Template,
): Promise<TokenObject> {
  const label = `test-import:${randomUUID()}`;
  const identity = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_LABEL, value: label },
  ];
  const handle = await token.withSession('importing a test key', (session) =>
    token.pkcs11.C_CreateObject(session, [
      ...identity,
      { type: pkcs11js.CKA_KEY_TYPE, value: keyType },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_VALUE, value },
      ...usage,
    ]),
  );
  return new TokenObject(handle, identity, label);
}

export function destroyKey(token: Pkcs11Token, key: TokenObject): Promise<void> {
  return token.withSession('destroying a test key', (session) => token.pkcs11.C_DestroyObject(session, key.handle), {
    objects: [key],
  });
}
