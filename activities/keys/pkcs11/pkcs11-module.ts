/**
 * A PKCS#11 module loaded and initialised once per process and shared by the tokens opened on it, its slots,
 * and what its return values mean for the sessions and handles a token holds.
 */
import pkcs11js, { type PKCS11 } from 'pkcs11js';

export type ObjectHandle = Buffer;
export type SessionHandle = Buffer;

/** The CKR_ name of a refusal by the module, or undefined for any other error. */
export function returnValueOf(error: unknown): string | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.message : undefined;
}

/**
 * Return values after which the sessions this process holds may all be gone, and its login with them: the
 * HSM restarted, failed over to another, or closed the application's sessions.
 */
export const sessionsLost = new Set([
  'CKR_SESSION_HANDLE_INVALID',
  'CKR_SESSION_CLOSED',
  'CKR_USER_NOT_LOGGED_IN',
  'CKR_DEVICE_REMOVED',
  'CKR_DEVICE_ERROR',
  'CKR_TOKEN_NOT_PRESENT',
  'CKR_SLOT_ID_INVALID',
]);

/** Return values after which an object's handle no longer names it: the token numbered its objects anew. */
export const handleLost = new Set(['CKR_KEY_HANDLE_INVALID', 'CKR_OBJECT_HANDLE_INVALID']);

export interface LoadedModule {
  pkcs11: PKCS11;
  users: number;
  /** False when something else in this process had initialised it: then it is not ours to finalise. */
  initialisedHere: boolean;
}

// C_Initialize is once per process and module: every token opened on a module shares its initialisation.
const loadedModules = new Map<string, LoadedModule>();

export function useModule(path: string): LoadedModule {
  let loaded = loadedModules.get(path);
  if (!loaded) {
    const pkcs11 = new pkcs11js.PKCS11();
    pkcs11.load(path);
    let initialisedHere = true;
    try {
      // The asynchronous calls run on libuv's threads: the module must lock for itself.
      pkcs11.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    } catch (error) {
      if (returnValueOf(error) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') throw error;
      initialisedHere = false;
    }
    loaded = { pkcs11, users: 0, initialisedHere };
    loadedModules.set(path, loaded);
  }
  loaded.users += 1;
  return loaded;
}

export function releaseModule(path: string, loaded: LoadedModule): void {
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(path);
  if (loaded.initialisedHere) loaded.pkcs11.C_Finalize();
}

export const sessionFlags = pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION;

export function closeQuietly(pkcs11: PKCS11, session: SessionHandle): void {
  try {
    pkcs11.C_CloseSession(session);
  } catch {
    // Already closed by the module (a token removed, a session lost): nothing is left to release.
  }
}

/** The slot that holds the token of this label, if the module presents it now. */
export function slotOf(pkcs11: PKCS11, tokenLabel: string): Buffer | undefined {
  return pkcs11.C_GetSlotList(true).find((each) => pkcs11.C_GetTokenInfo(each).label.trim() === tokenLabel);
}
