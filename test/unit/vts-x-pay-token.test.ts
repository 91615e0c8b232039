import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyXPayToken, xPayToken } from '../../activities/networks/vts/x-pay-token.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

const secret = 'ysLXF5$v+ye2yN}7x5h@C9#ymtHkNt-Q';
const request = {
  resourcePath: 'vts/v2/provisionedTokens',
  queryString: 'apikey=R7Q53W6KREF7DHCDXUAQ13RQPTXkdUwfMvteVPXPJhOz5xWBc',
  body: '{"encPaymentInstrument":"eyJ..."}',
};

function failureOf(attempt: () => void): CryptoFailure {
  try {
    attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(CryptoFailure);
    return error as CryptoFailure;
  }
  throw new Error('expected a refusal');
}

describe('x-pay-token', () => {
  it('is xv2, the timestamp and the HMAC-SHA256 of timestamp, path, query and body', () => {
    const now = new Date('2026-11-21T12:00:00Z');
    const expected = createHmac('sha256', secret)
      .update(`1795262400${request.resourcePath}${request.queryString}${request.body}`)
      .digest('hex');
    expect(xPayToken(secret, request, now)).toBe(`xv2:1795262400:${expected}`);
    expect(() => verifyXPayToken(xPayToken(secret, request, now), request, [secret], { now })).not.toThrow();
  });

  it('is accepted under either secret while the secret is rotated', () => {
    const token = xPayToken('the-old-secret', request);
    expect(() => verifyXPayToken(token, request, ['the-new-secret', 'the-old-secret'])).not.toThrow();
  });

  it('is refused for another secret, another body or a path with its leading slash', () => {
    const token = xPayToken(secret, request);
    expect(failureOf(() => verifyXPayToken(token, request, ['another'])).code).toBe(CryptoFailureCode.SignatureInvalid);
    expect(failureOf(() => verifyXPayToken(token, { ...request, body: '{}' }, [secret])).code).toBe(
      CryptoFailureCode.SignatureInvalid,
    );
    const withSlash = xPayToken(secret, { ...request, resourcePath: `/${request.resourcePath}` });
    expect(failureOf(() => verifyXPayToken(withSlash, request, [secret])).message).toMatch(/leading slash/);
  });

  it('is refused when stale or malformed', () => {
    const old = xPayToken(secret, request, new Date(Date.now() - 6 * 60_000));
    expect(failureOf(() => verifyXPayToken(old, request, [secret])).code).toBe(CryptoFailureCode.Expired);
    expect(failureOf(() => verifyXPayToken('xv1:1:abc', request, [secret])).code).toBe(CryptoFailureCode.Malformed);
    expect(failureOf(() => verifyXPayToken(undefined, request, [secret])).code).toBe(CryptoFailureCode.Malformed);
  });
});
