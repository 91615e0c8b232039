/**
 * Mastercard's Tokenization Authentication Value (TAV), version 2: the issuer's signature over the card,
 * which MDES checks before it tokenizes a pushed card (Apple's activationData, the OPC's
 * tokenizationAuthenticationValue). Its envelope is public: base64 of JSON naming the version, what the
 * signature covers, the algorithm and the signature. The signed data here, the UTF-8 of account number,
 * expiry as MMYY and, when included, the token unique reference, is our reading of the public
 * description; Mastercard's exact layout replaces `signedData` for a certified implementation.
 */
import { verify, type KeyObject } from 'node:crypto';
import type { PrivateSigningKey } from '../../keys/key-handles.js';

export interface TavAccount {
  accountNumber: string;
  /** MM, as MDES carries it */
  expiryMonth: string;
  /** YY, as MDES carries it */
  expiryYear: string;
  tokenUniqueReference?: string;
}

interface TavEnvelope {
  version: '2';
  expirationDateIncluded: 'true' | 'false';
  tokenUniqueReferenceIncluded: 'true' | 'false';
  signatureAlgorithm: 'RSA-SHA256';
  signature: string;
}

export type TavVerdict = { valid: true } | { valid: false; reason: string };

/** A TAV is a few hundred bytes; anything far longer is not one, and is not decoded. */
const maximumTavLength = 4096;

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;

function signedData(account: TavAccount, covers: { expiry: boolean; tokenUniqueReference: boolean }): Buffer {
  const expiry = covers.expiry ? `${account.expiryMonth}${account.expiryYear}` : '';
  const tokenUniqueReference = covers.tokenUniqueReference ? (account.tokenUniqueReference ?? '') : '';
  return Buffer.from(`${account.accountNumber}${expiry}${tokenUniqueReference}`, 'utf8');
}

/** The TAV over this card (and its token, when its reference is known), signed with the issuer's RSA key. */
export async function createTav(account: TavAccount, signingKey: PrivateSigningKey): Promise<string> {
  if (!/^(0[1-9]|1[0-2])$/.test(account.expiryMonth) || !/^\d{2}$/.test(account.expiryYear)) {
    throw new TypeError('A TAV is signed over the expiry as MMYY: expiryMonth must be MM and expiryYear YY');
  }
  if (signingKey.alg !== 'RS256') throw new TypeError('A TAV is signed with an RSA key (RSA-SHA256)');
  const covers = { expiry: true, tokenUniqueReference: account.tokenUniqueReference !== undefined };
  const envelope: TavEnvelope = {
    version: '2',
    expirationDateIncluded: 'true',
    tokenUniqueReferenceIncluded: covers.tokenUniqueReference ? 'true' : 'false',
    signatureAlgorithm: 'RSA-SHA256',
    signature: (await signingKey.sign(signedData(account, covers))).toString('base64'),
  };
  return Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
}

/**
 * Whether a TAV is the issuer's, under any of its keys (several while one is rotated), for this account.
 * Never throws, and no reason repeats what was sent or the account.
 */
export function verifyTav(tav: unknown, account: TavAccount, publicKeys: readonly KeyObject[]): TavVerdict {
  const envelope = readEnvelope(tav);
  if (typeof envelope === 'string') return { valid: false, reason: envelope };
  const covers = {
    expiry: envelope.expirationDateIncluded === 'true',
    tokenUniqueReference: envelope.tokenUniqueReferenceIncluded === 'true',
  };
  if (covers.tokenUniqueReference && account.tokenUniqueReference === undefined) {
    return { valid: false, reason: 'The TAV covers a token unique reference, and none is known for this account' };
  }
  const data = signedData(account, covers);
  const signature = Buffer.from(envelope.signature, 'base64');
  const signedByOneOf = publicKeys.some((key) => {
    try {
      return verify('sha256', data, key, signature);
    } catch {
      return false;
    }
  });
  return signedByOneOf
    ? { valid: true }
    : { valid: false, reason: "The TAV's signature does not verify over this account with any of the issuer's keys" };
}

/** The envelope, checked field by field, or why it is not one. */
function readEnvelope(tav: unknown): TavEnvelope | string {
  if (typeof tav !== 'string' || tav.length === 0) return 'The TAV is missing';
  if (tav.length > maximumTavLength || tav.length % 4 !== 0 || !base64.test(tav)) return 'The TAV is not base64';
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(tav, 'base64').toString('utf8'));
  } catch {
    return 'The TAV is not base64 of JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'The TAV is not a JSON object';
  const fields = parsed as Record<string, unknown>;
  if (fields.version !== '2') return 'The TAV is not version "2"';
  if (fields.signatureAlgorithm !== 'RSA-SHA256') return 'The TAV\'s signatureAlgorithm is not "RSA-SHA256"';
  for (const flag of ['expirationDateIncluded', 'tokenUniqueReferenceIncluded'] as const) {
    if (fields[flag] !== 'true' && fields[flag] !== 'false') return `The TAV's ${flag} is not "true" or "false"`;
  }
  if (typeof fields.signature !== 'string' || fields.signature.length % 4 !== 0 || !base64.test(fields.signature)) {
    return "The TAV's signature is not base64";
  }
  return fields as unknown as TavEnvelope;
}
