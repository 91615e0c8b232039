/**
 * OpenPGP messages (RFC 4880 / 9580) as Google's push provisioning exchanges them, through openpgp.js: a
 * text signed by the sender's key and encrypted to the recipient's, as bytes; and such bytes opened, every
 * signature required to verify with the sender's keys. Failures are CryptoFailures that quote nothing of
 * the message.
 */
import { createMessage, decrypt, encrypt, readMessage, type PrivateKey, type PublicKey } from 'openpgp';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

export async function sealOpenPgp(
  text: string,
  keys: { encryptionKey: PublicKey; signingKey: PrivateKey },
): Promise<Uint8Array> {
  // Not streamed in, so not streamed out: the message's bytes (openpgp types either).
  const sealed: unknown = await encrypt({
    message: await createMessage({ text }),
    encryptionKeys: keys.encryptionKey,
    signingKeys: keys.signingKey,
    format: 'binary',
  });
  if (!(sealed instanceof Uint8Array)) throw new TypeError('openpgp answered a stream for a message that is not one');
  return sealed;
}

/** The text inside, once decrypted with one of `decryptionKeys` and signed (every signature) by `verificationKeys`. */
export async function openOpenPgp(
  bytes: Uint8Array,
  keys: { decryptionKeys: PrivateKey[]; verificationKeys: PublicKey[] },
  what: string,
): Promise<string> {
  let message;
  try {
    message = await readMessage({ binaryMessage: bytes });
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, `The ${what} is not an OpenPGP message`);
  }
  let opened;
  try {
    opened = await decrypt({
      message,
      decryptionKeys: keys.decryptionKeys,
      verificationKeys: keys.verificationKeys,
      format: 'utf8',
    });
  } catch {
    throw new CryptoFailure(
      CryptoFailureCode.DecryptionFailed,
      `The ${what} does not decrypt with these keys: encrypted to another key, or altered`,
    );
  }
  if (opened.signatures.length === 0)
    throw new CryptoFailure(CryptoFailureCode.SignatureInvalid, `The ${what} is not signed`);
  // Every signature must verify: one by another key, or over other data, refuses the message.
  for (const signature of opened.signatures) {
    const verified = await signature.verified.catch(() => false);
    if (verified !== true) {
      throw new CryptoFailure(
        CryptoFailureCode.SignatureInvalid,
        `The ${what}'s signature does not verify with the sender's keys`,
      );
    }
  }
  if (typeof opened.data !== 'string')
    throw new CryptoFailure(CryptoFailureCode.Malformed, `The ${what} does not hold text`);
  return opened.data;
}
