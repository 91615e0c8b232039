/**
 * The one spelling every signed input must use. Decoders are lenient (jose and Node's base64 skip whitespace,
 * padding and the unused low bits of a last character; percent-decoding takes any case and any character),
 * so without this check one signed message travels under many spellings, each of them new to a replay guard
 * keyed on the text. A spelling is canonical when the decoded value encodes back to the very text received.
 */
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

const base64urlSegment = /^[A-Za-z0-9_-]*$/;
const base64Text = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * A compact JWS (3 segments) or JWE (5) as received: unpadded base64url segments joined by dots, no
 * whitespace, each canonical. Returns the segments; throws a CryptoFailure (Malformed) otherwise.
 */
export function compactSegments(compact: string, count: 3 | 5, what: string): string[] {
  const segments = compact.split('.');
  const canonical =
    segments.length === count &&
    segments.every(
      (segment) =>
        base64urlSegment.test(segment) && Buffer.from(segment, 'base64url').toString('base64url') === segment,
    );
  if (!canonical) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      `${what} is not a compact ${count === 3 ? 'JWS' : 'JWE'}: ${count} base64url segments joined by dots, without padding, whitespace or non-zero unused bits`,
    );
  }
  return segments;
}

/** Padded standard base64, canonical; returns its bytes or throws a CryptoFailure (Malformed). */
export function canonicalBase64(text: string, what: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  if (!base64Text.test(text) || bytes.toString('base64') !== text) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      `${what} is not canonical base64: padded, without whitespace, URL-safe letters or non-zero unused bits`,
    );
  }
  return bytes;
}

/**
 * A percent-encoded value (an OAuth 1.0a parameter) decoded, when it is spelled in one of the two ways a
 * signer writes it: not encoded at all (Mastercard's signer, for all but the signature), or encoded as
 * RFC 5849 section 3.6 says (every byte but ALPHA, DIGIT, "-", ".", "_", "~", upper-case hex). A variant
 * (`%61` for `a`, `%2b` for `%2B`) is refused.
 */
export function percentDecoded(value: string, what: string): string {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // Not percent-encoding at all: refused below.
  }
  if (decoded === undefined || (value !== decoded && value !== rfc5849Encoded(decoded))) {
    throw new CryptoFailure(
      CryptoFailureCode.Malformed,
      `${what} is percent-encoded in a non-canonical way (RFC 5849 section 3.6: upper-case hex, unreserved characters as they are)`,
    );
  }
  return decoded;
}

export function rfc5849Encoded(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
