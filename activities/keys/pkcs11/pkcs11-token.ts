/** One PKCS#11 token: its module loaded and initialised once per process, a bounded pool of logged-in sessions. */
import pkcs11js, { type PKCS11 } from 'pkcs11js';

export type ObjectHandle = Buffer;
export type SessionHandle = Buffer;

export interface Pkcs11TokenOptions {
  /** The HSM vendor's PKCS#11 library. */
  module: string;
  tokenLabel: string;
  pin: string;
  /** Sessions opened at most, each running one operation at a time; 8 by default. */
  maxSessions?: number;
}

/** A failed call: names the operation and the token, and the PKCS#11 return value, never the data. */
export class Pkcs11OperationError extends Error {
  override name = 'Pkcs11OperationError';
  constructor(
    message: string,
    /** The CKR_ name when the token refused, e.g. CKR_ATTRIBUTE_SENSITIVE. */
    readonly returnValue: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The CKR_ name of a refusal by the module, or undefined for any other error. */
export function returnValueOf(error: unknown): string | undefined {
  return error instanceof pkcs11js.Pkcs11Error ? error.message : undefined;
}

interface LoadedModule {
  pkcs11: PKCS11;
  users: number;
  /** False when something else in this process had initialised it: then it is not ours to finalise. */
  initialisedHere: boolean;
}

// C_Initialize is once per process and module: every token opened on a module shares its initialisation.
const loadedModules = new Map<string, LoadedModule>();

function useModule(path: string): LoadedModule {
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

function releaseModule(path: string, loaded: LoadedModule): void {
  loaded.users -= 1;
  if (loaded.users > 0) return;
  loadedModules.delete(path);
  if (loaded.initialisedHere) loaded.pkcs11.C_Finalize();
}

export class Pkcs11Token {
  private readonly idle: SessionHandle[] = [];
  private readonly waiting: { resolve: (session: SessionHandle) => void; reject: (error: Error) => void }[] = [];
  private openSessions = 0;
  private loggedIn = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    readonly label: string,
    /** The module's functions; a caller takes a session from withSession before calling them. */
    readonly pkcs11: PKCS11,
    private readonly slot: Buffer,
    private readonly pin: string,
    private readonly maxSessions: number,
    private readonly release: () => void,
  ) {}

  static open(options: Pkcs11TokenOptions): Pkcs11Token {
    const { module, tokenLabel } = options;
    const opening = `opening token "${tokenLabel}" with ${module}`;
    const failed = (error: unknown): Pkcs11OperationError =>
      new Pkcs11OperationError(`${opening} failed: ${reasonOf(error)}`, returnValueOf(error), { cause: error });
    let loaded: LoadedModule;
    try {
      loaded = useModule(module);
    } catch (error) {
      throw failed(error);
    }
    let slot: Buffer | undefined;
    try {
      const { pkcs11 } = loaded;
      slot = pkcs11.C_GetSlotList(true).find((each) => pkcs11.C_GetTokenInfo(each).label.trim() === tokenLabel);
      if (!slot) throw new Error('the module has no token of that label');
    } catch (error) {
      releaseModule(module, loaded);
      throw failed(error);
    }
    const maxSessions = options.maxSessions ?? 8;
    return new Pkcs11Token(tokenLabel, loaded.pkcs11, slot, options.pin, maxSessions, () =>
      releaseModule(module, loaded),
    );
  }

  /**
   * Runs `work` on a logged-in session of its own (Init and the asynchronous call both, so that no other
   * operation interleaves). A session whose work failed is closed rather than reused: a failed call can
   * leave an operation active in it.
   */
  async withSession<T>(operation: string, work: (session: SessionHandle) => Promise<T> | T): Promise<T> {
    const running = this.run(operation, work);
    this.inFlight.add(running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  private async run<T>(operation: string, work: (session: SessionHandle) => Promise<T> | T): Promise<T> {
    let session: SessionHandle;
    try {
      session = await this.takeSession();
    } catch (error) {
      throw this.failure(operation, error);
    }
    try {
      const result = await work(session);
      this.giveBack(session);
      return result;
    } catch (error) {
      this.discard(session);
      throw this.failure(operation, error);
    }
  }

  /** Waits for the operations under way, then closes every session and, when it is the last user, the module. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the token is closed'));
    await Promise.allSettled([...this.inFlight]);
    for (const session of this.idle.splice(0)) this.discard(session);
    this.release();
  }

  private async takeSession(): Promise<SessionHandle> {
    if (this.closed) throw new Error('the token is closed');
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.openSessions >= this.maxSessions) {
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    this.openSessions += 1;
    let session: SessionHandle | undefined;
    try {
      session = this.pkcs11.C_OpenSession(this.slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
      this.logIn(session);
      return session;
    } catch (error) {
      if (session) this.closeSession(session);
      else this.openSessions -= 1;
      throw error;
    }
  }

  /**
   * CKU_USER login holds for every session of this application (this process) until its last session closes,
   * so it is asked for once. Not again for each new session: under load, SoftHSM2 2.6 answered such repeated
   * logins (CKR_USER_ALREADY_LOGGED_IN) by failing now and then an operation running on another session
   * (CKR_GENERAL_ERROR: 3 of 450 key generations, against none of 450 with one login).
   */
  private logIn(session: SessionHandle): void {
    if (this.loggedIn) return;
    try {
      this.pkcs11.C_Login(session, pkcs11js.CKU_USER, this.pin);
    } catch (error) {
      if (returnValueOf(error) !== 'CKR_USER_ALREADY_LOGGED_IN') throw error;
    }
    this.loggedIn = true;
  }

  private giveBack(session: SessionHandle): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter.resolve(session);
    else this.idle.push(session);
  }

  private discard(session: SessionHandle): void {
    this.closeSession(session);
    // The session freed a place: a waiter opens its own.
    const waiter = this.waiting.shift();
    if (waiter) this.takeSession().then(waiter.resolve, waiter.reject);
  }

  private closeSession(session: SessionHandle): void {
    this.openSessions -= 1;
    if (this.openSessions === 0) this.loggedIn = false;
    try {
      this.pkcs11.C_CloseSession(session);
    } catch {
      // Already closed by the module (a token removed, a session lost): nothing is left to release.
    }
  }

  private failure(operation: string, error: unknown): Pkcs11OperationError {
    if (error instanceof Pkcs11OperationError) return error;
    const message = `${operation} on token "${this.label}" failed: ${reasonOf(error)}`;
    return new Pkcs11OperationError(message, returnValueOf(error), { cause: error });
  }
}

function reasonOf(error: unknown): string {
  return returnValueOf(error) ?? (error instanceof Error ? error.message : String(error));
}
