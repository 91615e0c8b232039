/** Which PKCS#11 token the engine uses, and how it logs in: checked from the environment, the PIN file read. */
import { readFile } from 'node:fs/promises';

export type RsaOaepMode = 'token' | 'engine';

export interface Pkcs11Settings {
  /** The HSM vendor's PKCS#11 library. */
  module: string;
  tokenLabel: string;
  pin: string;
  /** `engine`: the token does the raw RSA operation and the engine removes the OAEP padding (SoftHSM2 2.6). */
  rsaOaep: RsaOaepMode;
}

export interface Pkcs11Environment {
  PKCS11_MODULE?: string;
  PKCS11_TOKEN_LABEL?: string;
  PKCS11_PIN?: string;
  PKCS11_PIN_FILE?: string;
  PKCS11_RSA_OAEP?: RsaOaepMode;
}

export class Pkcs11SettingsError extends Error {
  override name = 'Pkcs11SettingsError';
}

export async function pkcs11SettingsFrom(env: Pkcs11Environment): Promise<Pkcs11Settings> {
  const missing = (variable: string, what: string): Pkcs11SettingsError =>
    new Pkcs11SettingsError(`${variable} is not set: ${what} (needed with PUSHPROV_KEY_STORE=pkcs11)`);
  if (!env.PKCS11_MODULE) throw missing('PKCS11_MODULE', "the path of the HSM vendor's PKCS#11 library");
  if (!env.PKCS11_TOKEN_LABEL) throw missing('PKCS11_TOKEN_LABEL', 'the label of the token that holds the keys');
  const rsaOaep = env.PKCS11_RSA_OAEP ?? 'token';
  if (rsaOaep !== 'token' && rsaOaep !== 'engine') {
    throw new Pkcs11SettingsError('PKCS11_RSA_OAEP must be `token` or `engine`');
  }
  return { module: env.PKCS11_MODULE, tokenLabel: env.PKCS11_TOKEN_LABEL, pin: await pinFrom(env), rsaOaep };
}

// PKCS11_PIN is preferred to the file, as config/env.ts documents it.
async function pinFrom(env: Pkcs11Environment): Promise<string> {
  if (env.PKCS11_PIN) return env.PKCS11_PIN;
  if (!env.PKCS11_PIN_FILE) {
    throw new Pkcs11SettingsError(
      'Neither PKCS11_PIN nor PKCS11_PIN_FILE is set: how does the engine log in to the token?',
    );
  }
  const text = await readFile(env.PKCS11_PIN_FILE, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Pkcs11SettingsError(`PKCS11_PIN_FILE ${env.PKCS11_PIN_FILE} cannot be read (${error.code ?? 'error'})`);
  });
  // A mounted secret usually ends with a newline that is no part of the PIN.
  const pin = text.replace(/\r?\n$/, '');
  if (!pin) throw new Pkcs11SettingsError(`PKCS11_PIN_FILE ${env.PKCS11_PIN_FILE} is empty`);
  return pin;
}
