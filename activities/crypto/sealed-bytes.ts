/**
 * The one layout the engine stores AES-256-GCM in (vaulted cards, staged captures, Temporal payloads): a 12-byte
 * IV, the 16-byte tag, then the ciphertext, in one buffer, with what the bytes belong to bound as additional data.
 */
import { randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../keys/key-handles.js';

export async function sealBytes(key: EncryptionKey, additionalData: Buffer, plaintext: Buffer): Promise<Buffer> {
  const iv = randomBytes(12);
  const { ciphertext, tag } = await key.encrypt(iv, plaintext, additionalData);
  return Buffer.concat([iv, tag, ciphertext]);
}

/** Rejects when the bytes were altered, bound to something else, or sealed under another key. */
export function openBytes(key: EncryptionKey, additionalData: Buffer, sealed: Buffer): Promise<Buffer> {
  return key.decrypt(sealed.subarray(0, 12), sealed.subarray(28), sealed.subarray(12, 28), additionalData);
}
