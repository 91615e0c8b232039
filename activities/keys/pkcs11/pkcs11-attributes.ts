/** Reading a token's objects: finding them by template, their attributes, and a public key object as node's KeyObject. */
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { endianness } from 'node:os';
import pkcs11js, { type PKCS11, type Template } from 'pkcs11js';
import type { ObjectHandle, SessionHandle } from './pkcs11-token.js';

export function findObjects(pkcs11: PKCS11, session: SessionHandle, template: Template): ObjectHandle[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    const found: ObjectHandle[] = [];
    for (;;) {
      const batch = pkcs11.C_FindObjects(session, 64);
      if (batch.length === 0) return found;
      found.push(...batch);
    }
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

/** One attribute's value; throws the token's refusal (CKR_ATTRIBUTE_SENSITIVE, ...). */
export function attribute(pkcs11: PKCS11, session: SessionHandle, object: ObjectHandle, type: number): Buffer {
  const [read] = pkcs11.C_GetAttributeValue(session, object, [{ type }]);
  if (!read?.value) throw new Error(`attribute ${type} has no value`);
  return read.value;
}

export function booleanAttribute(pkcs11: PKCS11, session: SessionHandle, object: ObjectHandle, type: number): boolean {
  return attribute(pkcs11, session, object, type)[0] === 1;
}

/** A CK_ULONG (CKA_CLASS, CKA_KEY_TYPE), in the host's byte order: little-endian on the platforms Node runs here. */
export function ulongAttribute(pkcs11: PKCS11, session: SessionHandle, object: ObjectHandle, type: number): number {
  const value = attribute(pkcs11, session, object, type);
  return value.readUIntLE(0, Math.min(value.length, 6));
}

export function textAttribute(pkcs11: PKCS11, session: SessionHandle, object: ObjectHandle, type: number): string {
  return attribute(pkcs11, session, object, type).toString('utf8');
}

/**
 * CKA_ALLOWED_MECHANISMS' value: an array of CK_MECHANISM_TYPE, each a CK_ULONG of this platform (8 bytes, in its
 * byte order, on the 64-bit Linux and macOS the engine runs on).
 */
export function mechanismList(mechanisms: readonly number[]): Buffer {
  const list = Buffer.alloc(mechanisms.length * 8);
  mechanisms.forEach((mechanism, index) =>
    endianness() === 'LE'
      ? list.writeBigUInt64LE(BigInt(mechanism), index * 8)
      : list.writeBigUInt64BE(BigInt(mechanism), index * 8),
  );
  return list;
}

/** The mechanisms a key allows, or an empty list when it allows any (the attribute unset or unknown to the token). */
export function allowedMechanisms(pkcs11: PKCS11, session: SessionHandle, object: ObjectHandle): number[] {
  let list: Buffer;
  try {
    list = attribute(pkcs11, session, object, pkcs11js.CKA_ALLOWED_MECHANISMS);
  } catch {
    return [];
  }
  return Array.from({ length: Math.floor(list.length / 8) }, (_, index) =>
    Number(endianness() === 'LE' ? list.readBigUInt64LE(index * 8) : list.readBigUInt64BE(index * 8)),
  );
}

// DER of the OID 1.2.840.10045.3.1.7 (P-256), as CKA_EC_PARAMS holds it.
export const p256Parameters = Buffer.from('06082a8648ce3d030107', 'hex');

/** The public half of a key pair, rebuilt from the public key object's attributes (EC P-256 or RSA). */
export function publicKeyOf(pkcs11: PKCS11, session: SessionHandle, publicObject: ObjectHandle): KeyObject {
  const keyType = ulongAttribute(pkcs11, session, publicObject, pkcs11js.CKA_KEY_TYPE);
  if (keyType === pkcs11js.CKK_EC) {
    const parameters = attribute(pkcs11, session, publicObject, pkcs11js.CKA_EC_PARAMS);
    if (!parameters.equals(p256Parameters)) throw new Error('the EC key is not on P-256');
    return ecPublicKey(attribute(pkcs11, session, publicObject, pkcs11js.CKA_EC_POINT));
  }
  if (keyType === pkcs11js.CKK_RSA) {
    const n = attribute(pkcs11, session, publicObject, pkcs11js.CKA_MODULUS);
    const e = attribute(pkcs11, session, publicObject, pkcs11js.CKA_PUBLIC_EXPONENT);
    const jwk: JsonWebKey = { kty: 'RSA', n: unsigned(n).toString('base64url'), e: unsigned(e).toString('base64url') };
    return createPublicKey({ key: jwk, format: 'jwk' });
  }
  throw new Error(`unexpected key type ${keyType}`);
}

/** CKA_EC_POINT is the uncompressed point in a DER OCTET STRING (some modules give the bare point). */
export function ecPublicKey(ecPoint: Buffer): KeyObject {
  const wrapped = ecPoint.length === 67 && ecPoint[0] === 0x04 && ecPoint[1] === 65;
  const point = wrapped ? ecPoint.subarray(2) : ecPoint;
  if (point.length !== 65 || point[0] !== 0x04) throw new Error('CKA_EC_POINT is not an uncompressed P-256 point');
  const jwk: JsonWebKey = {
    kty: 'EC',
    crv: 'P-256',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
  return createPublicKey({ key: jwk, format: 'jwk' });
}

// A big-endian integer as JWK writes it: without leading zero bytes.
function unsigned(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  return bytes.subarray(start);
}
