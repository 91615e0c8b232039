// The PKCS#11 session pool when the HSM loses what it knew of this process (a restart, a failover, a logout):
// against a real SoftHSM2 token, the pool drops its dead sessions, logs in again and runs the operation once
// more; a key whose handle the token no longer knows is found again by its label.
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecryptionRefusedError } from '../../activities/keys/key-handles.js';
import { findObjects } from '../../activities/keys/pkcs11/pkcs11-attributes.js';
import { pkcs11EncryptionKey, pkcs11MacKey } from '../../activities/keys/pkcs11/pkcs11-key-handles.js';
import { TokenObject } from '../../activities/keys/pkcs11/pkcs11-token-object.js';
import { Pkcs11OperationError, Pkcs11Token, type SessionOptions } from '../../activities/keys/pkcs11/pkcs11-token.js';
import { createSoftHsmToken, destroyKey, importSecretKey, type SoftHsmToken } from '../support/softhsm.js';

let hsm: SoftHsmToken;
let token: Pkcs11Token;
let savedConf: string | undefined;
let aesValue: Buffer;
let aes: TokenObject;
let hmacValue: Buffer;
let hmac: TokenObject;

beforeAll(async () => {
  hsm = await createSoftHsmToken('pushprov-recovery');
  savedConf = process.env.SOFTHSM2_CONF;
  process.env.SOFTHSM2_CONF = hsm.conf;
  token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, maxSessions: 4 });
  aesValue = randomBytes(32);
  // Private objects: using them needs the login, which the HSM forgets with the sessions.
  aes = await importSecretKey(token, aesValue, pkcs11js.CKK_AES, [
    { type: pkcs11js.CKA_ENCRYPT, value: true },
    { type: pkcs11js.CKA_DECRYPT, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
  ]);
  hmacValue = randomBytes(32);
  hmac = await importSecretKey(token, hmacValue, pkcs11js.CKK_GENERIC_SECRET, [
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
  ]);
});

afterAll(async () => {
  if (token) {
    for (const key of [aes, hmac]) if (key) await destroyKey(token, key);
    await token.close();
  }
  await hsm?.remove();
  if (savedConf === undefined) delete process.env.SOFTHSM2_CONF;
  else process.env.SOFTHSM2_CONF = savedConf;
});

/** What an HSM restart or failover does to this process: every session of the application closed, the login gone. */
function hsmForgetsThisProcess(): void {
  const slot = token.pkcs11
    .C_GetSlotList(true)
    .find((each) => token.pkcs11.C_GetTokenInfo(each).label.trim() === hsm.tokenLabel)!;
  token.pkcs11.C_CloseAllSessions(slot);
}

/** Sessions left idle in the pool: `count` operations at once, each holding its session until all have one. */
async function fillThePool(count: number): Promise<void> {
  let started = 0;
  let release!: () => void;
  const allStarted = new Promise<void>((resolve) => (release = resolve));
  await Promise.all(
    Array.from({ length: count }, () =>
      token.withSession('holding a session', async () => {
        started += 1;
        if (started === count) release();
        await allStarted;
      }),
    ),
  );
}

/** Runs `call` through the pool: how many times the pool ran it, and the error it ended with. */
async function runsOf(
  operation: string,
  call: (session: Buffer) => void,
  options: SessionOptions,
): Promise<{ runs: number; error: unknown }> {
  let runs = 0;
  const error = await token
    .withSession(
      operation,
      (session) => {
        runs += 1;
        call(session);
      },
      options,
    )
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  return { runs, error };
}

const sealedByNode = (iv: Buffer, plaintext: Buffer): Buffer => {
  const cipher = createCipheriv('aes-256-gcm', aesValue, iv);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
};

describe('the session pool, when the HSM forgets this process', () => {
  it('drops its dead sessions, logs in again, and every operation under way still gets its right answer', async () => {
    const encryption = pkcs11EncryptionKey(token, 'recovery-aes', aes);
    const mac = pkcs11MacKey(token, 'recovery-hmac', hmac);
    await fillThePool(4);
    hsmForgetsThisProcess();

    const inputs = Array.from({ length: 16 }, () => ({ iv: randomBytes(12), plaintext: randomBytes(40) }));
    const answers = await Promise.all(
      inputs.map(async ({ iv, plaintext }) => {
        const sealed = await encryption.encrypt(iv, plaintext, Buffer.alloc(0));
        return { sealed: Buffer.concat([sealed.ciphertext, sealed.tag]), tag: await mac.mac(plaintext) };
      }),
    );
    answers.forEach((answer, index) => {
      const { iv, plaintext } = inputs[index]!;
      expect(answer.sealed.equals(sealedByNode(iv, plaintext))).toBe(true);
      expect(answer.tag.equals(createHmac('sha256', hmacValue).update(plaintext).digest())).toBe(true);
    });

    // And it goes on: the HSM forgets it a second time, later.
    await fillThePool(4);
    hsmForgetsThisProcess();
    const iv = randomBytes(12);
    const sealed = await encryption.encrypt(iv, Buffer.from('again'), Buffer.alloc(0));
    expect(Buffer.concat([sealed.ciphertext, sealed.tag]).equals(sealedByNode(iv, Buffer.from('again')))).toBe(true);
  });

  it('does not close the sessions opened since for a loss an operation meets later on an older one', async () => {
    await fillThePool(4);
    const opened: Buffer[] = [];
    const open = token.pkcs11.C_OpenSession.bind(token.pkcs11);
    token.pkcs11.C_OpenSession = (slot, flags) => {
      const session = open(slot, flags);
      opened.push(session);
      return session;
    };
    try {
      let releaseLater!: () => void;
      const later = new Promise<void>((resolve) => (releaseLater = resolve));
      let startedLater!: () => void;
      const laterStarted = new Promise<void>((resolve) => (startedLater = resolve));
      const sessionsOfLater: Buffer[] = [];
      // Holds an older session across the loss, and uses it only after another operation has recovered.
      const slow = token.withSession(
        'a slow HMAC',
        async (session) => {
          sessionsOfLater.push(session);
          startedLater();
          await later;
          token.pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, hmac.handle);
          return token.pkcs11.C_Sign(session, Buffer.from('slow'), Buffer.alloc(32));
        },
        { objects: [hmac] },
      );
      await laterStarted;
      hsmForgetsThisProcess();
      await pkcs11MacKey(token, 'recovery-hmac', hmac).mac(Buffer.from('first')); // meets the loss, recovers
      const openedByTheRecovery = opened.length;
      releaseLater();
      const tag = await slow;
      expect(tag.equals(createHmac('sha256', hmacValue).update('slow').digest())).toBe(true);
      // Its retry took the session the recovery had opened and given back: none was closed, none opened.
      expect(opened.length).toBe(openedByTheRecovery);
      expect(sessionsOfLater).toHaveLength(2);
      expect(opened.some((session) => session.equals(sessionsOfLater[1]!))).toBe(true);
    } finally {
      token.pkcs11.C_OpenSession = open;
    }
  });

  it('does not run again work that may not be repeated, and is healed for the next operation all the same', async () => {
    await fillThePool(4);
    hsmForgetsThisProcess();
    const { runs, error: refused } = await runsOf('a rotation', (session) => token.pkcs11.C_GetSessionInfo(session), {
      retry: false,
    });
    expect(refused).toBeInstanceOf(Pkcs11OperationError);
    expect((refused as Pkcs11OperationError).returnValue).toBe('CKR_SESSION_HANDLE_INVALID');
    expect(runs).toBe(1);
    // The other idle sessions were dropped with it: the next operation opens a fresh one, logged in.
    const tag = await pkcs11MacKey(token, 'recovery-hmac', hmac).mac(Buffer.from('next'));
    expect(tag.equals(createHmac('sha256', hmacValue).update('next').digest())).toBe(true);
  });

  it('finds a key again by its label when the token no longer knows its handle, and keeps the new handle', async () => {
    // A handle no object has: what a failover to another HSM leaves the process holding.
    const stale = new TokenObject(Buffer.from([0xfe, 0xff, 0xff, 0x00, 0, 0, 0, 0]), aesIdentity(), aes.name);
    const iv = randomBytes(12);
    const key = pkcs11EncryptionKey(token, 'recovery-aes', stale);
    const sealed = await key.encrypt(iv, Buffer.from('x'), Buffer.alloc(0));
    expect(Buffer.concat([sealed.ciphertext, sealed.tag]).equals(sealedByNode(iv, Buffer.from('x')))).toBe(true);
    const [current] = await token.withSession('finding the key', (session) =>
      findObjects(token.pkcs11, session, aesIdentity()),
    );
    expect(stale.handle.equals(current!)).toBe(true);
  });

  it("keeps the login and the keys' handles when an operation's session is closed for its failure", async () => {
    const tagOf = (data: string): Promise<Buffer> =>
      // The handle as it is, with nothing to find again: it must still be good.
      token
        .withSession(
          'HMAC with the handle held',
          (session) => {
            token.pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, hmac.handle);
            return token.pkcs11.C_Sign(session, Buffer.from(data), Buffer.alloc(32));
          },
          { objects: [hmac] },
        )
        .then(async (tag) => {
          const held = hmac.handle;
          const again = await token.withSession('HMAC with the handle held', (session) => {
            token.pkcs11.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, held);
            return token.pkcs11.C_Sign(session, Buffer.from(data), Buffer.alloc(32));
          });
          expect(again.equals(tag)).toBe(true);
          return tag;
        });
    await tagOf('before');
    // A refused decryption closes its session, the only one open in a quiet pool.
    const refused = await pkcs11EncryptionKey(token, 'recovery-aes', aes)
      .decrypt(randomBytes(12), randomBytes(8), randomBytes(16), Buffer.alloc(0))
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DecryptionRefusedError);
    const tag = await tagOf('after');
    expect(tag.equals(createHmac('sha256', hmacValue).update('after').digest())).toBe(true);
  });

  it('does not run again an operation the token refused for what it is', async () => {
    await pkcs11MacKey(token, 'recovery-hmac', hmac).mac(Buffer.from('the handle is current'));
    const { runs, error: refused } = await runsOf(
      'encrypting with a MAC key',
      (session) => token.pkcs11.C_EncryptInit(session, { mechanism: pkcs11js.CKM_AES_ECB }, hmac.handle),
      { objects: [hmac] },
    );
    expect(refused).toBeInstanceOf(Pkcs11OperationError);
    expect(runs).toBe(1);
  });
});

function aesIdentity() {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
    { type: pkcs11js.CKA_LABEL, value: aes.name },
  ];
}
