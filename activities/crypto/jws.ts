/**
 * JWS signed through a key handle (activities/keys/key-handles.ts): jose verifies everything the engine
 * receives, but it signs only with a key it holds, and a key in an HSM never leaves it. The signing input is
 * RFC 7515's, the signature the handle's (ES256 as r || s, RS256 as PKCS#1 v1.5), so any JWS library verifies it.
 */
import type { PrivateSigningKey, SignatureAlgorithm } from '../keys/key-handles.js';

export interface JwsProtectedHeader {
  alg: SignatureAlgorithm;
  kid?: string;
  typ?: string;
}

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

const encoded = (value: Uint8Array | string): string => Buffer.from(value).toString('base64url');

export async function signFlattenedJws(
  header: JwsProtectedHeader,
  payload: Uint8Array,
  signer: PrivateSigningKey,
): Promise<FlattenedJws> {
  if (header.alg !== signer.alg) throw new TypeError(`A ${signer.alg} key cannot sign a ${header.alg} JWS`);
  const protectedHeader = encoded(JSON.stringify(header));
  const encodedPayload = encoded(payload);
  const signature = await signer.sign(Buffer.from(`${protectedHeader}.${encodedPayload}`, 'ascii'));
  return { protected: protectedHeader, payload: encodedPayload, signature: encoded(signature) };
}

/** A compact JWS whose payload is a JSON object: a JWT when the claims are. */
export async function signCompactJws(
  header: JwsProtectedHeader,
  claims: Record<string, unknown>,
  signer: PrivateSigningKey,
): Promise<string> {
  const jws = await signFlattenedJws(header, Buffer.from(JSON.stringify(claims)), signer);
  return `${jws.protected}.${jws.payload}.${jws.signature}`;
}
