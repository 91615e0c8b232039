/**
 * One PKCS#11 token: its module loaded and initialised once per process, a bounded pool of logged-in sessions
 * that heals when the HSM restarts, fails over or logs the application out.
 */
import pkcs11js, { type PKCS11 } from 'pkcs11js';
import {
  closeQuietly,
  handleLost,
  releaseModule,
  returnValueOf,
  sessionFlags,
  sessionsLost,
  slotOf,
  useModule,
  type LoadedModule,
  type SessionHandle,
} from './pkcs11-module.js';

export { returnValueOf } from './pkcs11-module.js';
export type { ObjectHandle, SessionHandle } from './pkcs11-module.js';

export interface Pkcs11TokenOptions {
  /** The HSM vendor's PKCS#11 library. */
  module: string;
  tokenLabel: string;
  pin: string;
  /** Sessions opened at most for operations, each running one at a time; 8 by default (and one that holds the login). */
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

/** An object an operation uses, which it can find again by its attributes (a TokenObject). */
export interface Refindable {
  findAgain(pkcs11: PKCS11, session: SessionHandle): void;
}

export interface SessionOptions {
  /** The objects `work` uses: found again, and `work` run once more, when the token no longer knows their handles. */
  objects?: readonly Refindable[];
  /**
   * Whether `work` may run again on a fresh session when its session was lost (true by default: signing,
   * encrypting and decrypting may). Not for work that changes the token, such as generating a key, which may
   * have happened before the session was lost.
   */
  retry?: boolean;
}

export class Pkcs11Token {
  private readonly idle: SessionHandle[] = [];
  private readonly waiting: { resolve: (session: SessionHandle) => void; reject: (error: Error) => void }[] = [];
  private openSessions = 0;
  /** The session that holds the login (see keepLoggedIn), never lent. */
  private keeper: SessionHandle | undefined;
  /** Counts the times the HSM lost this process's sessions; each session belongs to the one it was opened in. */
  private generation = 0;
  private readonly bornIn = new WeakMap<SessionHandle, number>();
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  private constructor(
    readonly label: string,
    /** The module's functions; a caller takes a session from withSession before calling them. */
    readonly pkcs11: PKCS11,
    private slot: Buffer,
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
      slot = slotOf(loaded.pkcs11, tokenLabel);
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
   * leave an operation active in it. When the token says the sessions or the login are gone, the pool drops
   * every idle session and logs in again on the next, and `work` runs once more on a fresh session (unless
   * `retry` is false); when it says a handle is unknown, `objects` are found again first.
   */
  async withSession<T>(
    operation: string,
    work: (session: SessionHandle) => Promise<T> | T,
    options: SessionOptions = {},
  ): Promise<T> {
    const running = this.run(operation, work, options);
    this.inFlight.add(running);
    try {
      return await running;
    } finally {
      this.inFlight.delete(running);
    }
  }

  private async run<T>(
    operation: string,
    work: (session: SessionHandle) => Promise<T> | T,
    options: SessionOptions,
  ): Promise<T> {
    // After a restart, a fresh session may still meet a stale object handle: two recoveries at most.
    for (let recoveries = 0; ; recoveries += 1) {
      try {
        return await this.onSession(work);
      } catch (error) {
        const value = returnValueOf(error);
        const recoverable =
          recoveries < 2 &&
          options.retry !== false &&
          value !== undefined &&
          (sessionsLost.has(value) || (handleLost.has(value) && (options.objects?.length ?? 0) > 0));
        if (!recoverable) throw this.failure(operation, error);
        if (handleLost.has(value)) {
          try {
            await this.onSession((session) => {
              for (const object of options.objects ?? []) object.findAgain(this.pkcs11, session);
            });
          } catch (findFailed) {
            throw this.failure(`${operation}: finding its key again`, findFailed);
          }
        }
      }
    }
  }

  private async onSession<T>(work: (session: SessionHandle) => Promise<T> | T): Promise<T> {
    const generation = this.generation;
    let session: SessionHandle;
    try {
      session = await this.takeSession();
    } catch (error) {
      this.forgetIfLost(error, generation);
      throw error;
    }
    try {
      const result = await work(session);
      this.giveBack(session);
      return result;
    } catch (error) {
      this.forgetIfLost(error, this.bornIn.get(session) ?? generation);
      this.discard(session);
      throw error;
    }
  }

  /**
   * A loss met on a session of the pool's current generation ends that generation. One met on an older session
   * (in use while another operation's failure reset the pool) was dealt with already: the sessions opened since
   * are good, and are not closed for it.
   */
  private forgetIfLost(error: unknown, generation: number): void {
    const value = returnValueOf(error);
    if (value && sessionsLost.has(value) && generation === this.generation) this.forgetSessions();
  }

  /**
   * The HSM lost this process's sessions or its login: every idle session is closed (they would fail one by one),
   * the next session opened logs in again, and the token's slot is looked up again by its label, since a
   * failover may present the token in another slot. Sessions in use are closed as their work fails.
   */
  private forgetSessions(): void {
    this.generation += 1;
    for (const session of this.idle.splice(0)) this.closeSession(session);
    this.closeKeeper();
    try {
      this.slot = slotOf(this.pkcs11, this.label) ?? this.slot;
    } catch {
      // The module cannot list its slots now: the next session's opening says why.
    }
  }

  /** Waits for the operations under way, then closes every session and, when it is the last user, the module. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the token is closed'));
    await Promise.allSettled([...this.inFlight]);
    for (const session of this.idle.splice(0)) this.discard(session);
    this.closeKeeper();
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
    try {
      this.keepLoggedIn();
      const session = this.pkcs11.C_OpenSession(this.slot, sessionFlags);
      this.bornIn.set(session, this.generation);
      return session;
    } catch (error) {
      this.openSessions -= 1;
      throw error;
    }
  }

  /**
   * PKCS#11 keeps a CKU_USER login, and the handles of the objects found, for as long as the application has a
   * session open on the token; the pool's sessions come and go (a failed operation's is closed). So one session
   * of its own, never lent, holds the login from the first operation until the token is closed or the HSM
   * forgets this process: SoftHSM2 2.6 numbers its objects anew, and asks for the PIN again, each time the
   * last session closes. The login is asked for once there, not for each new session: under load, SoftHSM2
   * answered such repeated logins (CKR_USER_ALREADY_LOGGED_IN) by failing now and then an operation running on
   * another session (CKR_GENERAL_ERROR: 3 of 450 key generations, against none of 450 with one login).
   */
  private keepLoggedIn(): void {
    if (this.keeper) return;
    const keeper = this.pkcs11.C_OpenSession(this.slot, sessionFlags);
    try {
      this.pkcs11.C_Login(keeper, pkcs11js.CKU_USER, this.pin);
    } catch (error) {
      if (returnValueOf(error) !== 'CKR_USER_ALREADY_LOGGED_IN') {
        closeQuietly(this.pkcs11, keeper);
        throw error;
      }
    }
    this.keeper = keeper;
  }

  private closeKeeper(): void {
    if (this.keeper) closeQuietly(this.pkcs11, this.keeper);
    this.keeper = undefined;
  }

  private giveBack(session: SessionHandle): void {
    // A session of a generation the HSM has since lost is not lent again.
    if (this.bornIn.get(session) !== this.generation) {
      this.discard(session);
      return;
    }
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
    closeQuietly(this.pkcs11, session);
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
