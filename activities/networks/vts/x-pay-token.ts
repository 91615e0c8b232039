/**
 * VTS request authentication: `x-pay-token: xv2:{unix seconds}:{hex HMAC-SHA256(shared secret,
 * seconds + resource path + query string + body)}`, as Visa's samples build it: the resource path
 * without its leading slash, the query string without its '?', the body as sent.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';

export interface SignedVtsRequest {
  /** e.g. `vts/v2/provisionedTokens` (no leading slash). */
  resourcePath: string;
  /** e.g. `apikey=R7Q53W6K...` (no '?'); empty when there is none. */
  queryString: string;
  body: string;
}

export function xPayToken(sharedSecret: string, request: SignedVtsRequest, now: Date = new Date()): string {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return `xv2:${timestamp}:${hmac(sharedSecret, timestamp, request)}`;
}

/**
 * Verifies the token against each secret in turn (several while a secret is rotated), in constant time;
 * throws a CryptoFailure naming the cause.
 */
export function verifyXPayToken(
  token: string | undefined,
  request: SignedVtsRequest,
  sharedSecrets: readonly string[],
  options: { now?: Date; maxClockSkewSeconds?: number } = {},
): void {
  const match = /^xv2:(\d{1,12}):([0-9a-f]{64})$/.exec(token ?? '');
  if (!match) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      'x-pay-token must be xv2:{unix seconds}:{64 hex characters of HMAC-SHA256}',
    );
  }
  const [, timestamp, sent] = match as unknown as [string, string, string];
  const skew = Math.abs(Math.floor((options.now ?? new Date()).getTime() / 1000) - Number(timestamp));
  if (skew > (options.maxClockSkewSeconds ?? 300)) {
    throw new CryptoFailure(
      CryptoFailureCode.Expired,
      `x-pay-token was made ${skew} s away from the network's clock (5 minutes allowed)`,
    );
  }
  const sentBytes = Buffer.from(sent, 'hex');
  const valid = sharedSecrets.some((secret) =>
    timingSafeEqual(Buffer.from(hmac(secret, timestamp, request), 'hex'), sentBytes),
  );
  if (!valid) {
    throw new CryptoFailure(
      CryptoFailureCode.SignatureInvalid,
      'x-pay-token does not match: another shared secret, or a resource path, query string or body other than the one signed (path without its leading slash, query without its "?")',
    );
  }
}

function hmac(sharedSecret: string, timestamp: string, { resourcePath, queryString, body }: SignedVtsRequest): string {
  return createHmac('sha256', sharedSecret)
    .update(timestamp + resourcePath + queryString + body)
    .digest('hex');
}
