// Webhook signatures as a receiver checks them: the timestamped HMAC verifies with the subscription's
// secret within the tolerance, both secrets sign during a rotation's overlap (either verifies), and a
// tampered body, another secret, a stale or future timestamp and malformed headers are refused.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  newWebhookSecret,
  signWebhook,
  verifyWebhookSignature,
  webhookSecretText,
} from '../../activities/webhooks/webhook-signature.js';

const body = JSON.stringify({ id: 'a5a7c1f4-3b6e-4d55-9d0e-2f1b8c3d4e5f', type: 'token.status_changed', data: {} });
const secret = webhookSecretText(newWebhookSecret());
const other = webhookSecretText(newWebhookSecret());
const now = new Date('2026-12-03T10:00:00Z');
const seconds = (offset: number) => new Date(now.getTime() + offset * 1000);

describe('webhook signatures', () => {
  it('is t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body> and verifies with the secret', () => {
    const header = signWebhook(body, [secret], now);
    const t = now.getTime() / 1000;
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
    expect(verifyWebhookSignature(header, body, [secret], 300, now)).toEqual({ valid: true, timestamp: t });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a timestamp within the tolerance either way, and refuses one beyond it', () => {
    const header = signWebhook(body, [secret], now);
    expect(verifyWebhookSignature(header, body, [secret], 300, seconds(300)).valid).toBe(true);
    expect(verifyWebhookSignature(header, body, [secret], 300, seconds(-300)).valid).toBe(true);
    expect(verifyWebhookSignature(header, body, [secret], 300, seconds(301))).toEqual({
      valid: false,
      reason: 'stale',
    });
    expect(verifyWebhookSignature(header, body, [secret], 300, seconds(-301))).toEqual({
      valid: false,
      reason: 'stale',
    });
    expect(verifyWebhookSignature(header, body, [secret], 10, seconds(11)).valid).toBe(false);
  });

  it('carries one v1 per secret during a rotation: a receiver with either secret verifies', () => {
    const header = signWebhook(body, [secret, other], now);
    expect(header.split(',').filter((part) => part.startsWith('v1='))).toHaveLength(2);
    expect(verifyWebhookSignature(header, body, [secret], 300, now).valid).toBe(true);
    expect(verifyWebhookSignature(header, body, [other], 300, now).valid).toBe(true);
    expect(verifyWebhookSignature(header, body, [secret, other], 300, now).valid).toBe(true);
    // A receiver that already has the new secret and the old one verifies deliveries signed by the old alone.
    expect(verifyWebhookSignature(signWebhook(body, [other], now), body, [secret, other], 300, now).valid).toBe(true);
  });

  it('refuses a tampered body, another secret, and a signature moved to another timestamp', () => {
    const header = signWebhook(body, [secret], now);
    const mismatch = { valid: false, reason: 'mismatch' };
    expect(verifyWebhookSignature(header, body.replace('token', 't0ken'), [secret], 300, now)).toEqual(mismatch);
    expect(verifyWebhookSignature(header, `${body} `, [secret], 300, now)).toEqual(mismatch);
    expect(verifyWebhookSignature(header, body, [other], 300, now)).toEqual(mismatch);
    expect(verifyWebhookSignature(header, body, [], 300, now)).toEqual(mismatch);
    const moved = header.replace(/^t=\d+/, `t=${now.getTime() / 1000 + 1}`);
    expect(verifyWebhookSignature(moved, body, [secret], 300, now)).toEqual(mismatch);
  });

  it('refuses malformed headers without throwing', () => {
    const v1 = signWebhook(body, [secret], now).split(',')[1]!;
    const t = `t=${now.getTime() / 1000}`;
    for (const header of [
      undefined,
      '',
      v1,
      t,
      `${t},${t},${v1}`,
      `${t},v1=`,
      `${t},v1=${'g'.repeat(64)}`,
      `${t},v1=${'a'.repeat(63)}`,
      `t=soon,${v1}`,
      `t=-1,${v1}`,
      `${t},${v1},v1=zz`,
    ]) {
      expect([header, verifyWebhookSignature(header, body, [secret], 300, now)]).toEqual([
        header,
        { valid: false, reason: 'malformed' },
      ]);
    }
  });
});
