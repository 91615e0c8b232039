/**
 * A key object by the handle last found for it, and the attributes that find it again. A handle is the token's
 * number for an object and may change when the HSM restarts or fails over to another (CKR_KEY_HANDLE_INVALID);
 * the class, label and id that name the key do not. Pkcs11Token.withSession finds it again and retries.
 */
import type { PKCS11, Template } from 'pkcs11js';
import { findObjects } from './pkcs11-attributes.js';
import type { ObjectHandle, Refindable, SessionHandle } from './pkcs11-token.js';

export class TokenObject implements Refindable {
  constructor(
    /** The handle to use now. */
    public handle: ObjectHandle,
    /** Attributes that match this object and no other (its class, label and id). */
    private readonly identity: Template,
    /** How errors name it (its label, never a value). */
    readonly name: string,
  ) {}

  findAgain(pkcs11: PKCS11, session: SessionHandle): void {
    const found = findObjects(pkcs11, session, this.identity);
    if (found.length !== 1) {
      throw new Error(`the token holds ${found.length} objects named ${this.name} where one was expected`);
    }
    this.handle = found[0]!;
  }
}
