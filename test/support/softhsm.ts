/** A throwaway SoftHSM2 token, in a folder of its own, for the PKCS#11 key store's tests. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
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
