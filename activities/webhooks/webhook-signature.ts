/**
 * A webhook's signature: `Pushprov-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`,
 * one v1 value per secret that signs (two while a rotated-out secret is still in its overlap). A receiver
 * checks that the timestamp is recent and that one v1 value matches one of its secrets, in constant time:
 * `verifyWebhookSignature` does both, and is what the README shows receivers.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const secretPrefix = 'whsec_';

/** A new subscription secret: 32 random bytes. */
export const newWebhookSecret = (): Buffer => randomBytes(32);

/** The secret as the operator receives it once, and as both sides key the HMAC with (its UTF-8 text). */
export const webhookSecretText = (secret: Buffer): string => `${secretPrefix}${secret.toString('base64url')}`;

const signatureOf = (secret: string, timestamp: number, body: string): string =>
  createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The header's value for this body, signed now by each secret (the current one first). */
export function signWebhook(body: string, secrets: readonly string[], now: Date = new Date()): string {
  const timestamp = Math.floor(now.getTime() / 1000);
  return [`t=${timestamp}`, ...secrets.map((secret) => `v1=${signatureOf(secret, timestamp, body)}`)].join(',');
}

export type SignatureVerdict =
  { valid: true; timestamp: number } | { valid: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Whether the header signs this body (the raw bytes received, as text) with one of the secrets, within
 * `toleranceSeconds` of `now` either way: an old delivery replayed by someone else is refused.
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string,
  secrets: readonly string[],
  toleranceSeconds = 300,
  now: Date = new Date(),
): SignatureVerdict {
  const parts = (header ?? '').split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value ?? '');
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0]!) || signatures.length === 0) {
    return { valid: false, reason: 'malformed' };
  }
  if (!signatures.every((signature) => /^[0-9a-f]{64}$/.test(signature))) return { valid: false, reason: 'malformed' };
  const timestamp = Number(timestamps[0]);
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return { valid: false, reason: 'stale' };
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(signatureOf(secret, timestamp, body), 'hex');
    return signatures.some((signature) => timingSafeEqual(expected, Buffer.from(signature, 'hex')));
  });
  return matches ? { valid: true, timestamp } : { valid: false, reason: 'mismatch' };
}
