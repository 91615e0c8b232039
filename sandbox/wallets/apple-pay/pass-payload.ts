/**
 * What the wallet does with PKAddPaymentPassRequest: opens encryptedPassData with the session's leaf key by
 * the scheme PassKit asked for (the public construction of activities/crypto/encryption/passkit-profiles.ts,
 * its wallet side), and accepts the card only when the plaintext carries this session's nonce and nonce
 * signature. Only here is the card number in clear; what leaves this file names it masked at most.
 */
import { timingSafeEqual, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { passKitEccV2, passKitRsaV2 } from '../../../activities/crypto/encryption/passkit-profiles.js';
import { CryptoFailure } from '../../../domain/crypto-failure.js';
import type { PassKitScheme } from '../../../domain/wallets.js';
import type { CardAccount } from '../../network/tokenization.js';
import type { ProvisioningSession } from './provisioning-sessions.js';

const base64 = (maximumLength: number) =>
  z
    .string()
    .min(4)
    .max(maximumLength)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64');

/** What the issuer's app hands PassKit: base64, as the engine answers it. */
export const AddPaymentPassRequest = z.strictObject({
  encryptedPassData: base64(16_384),
  activationData: z.string().min(1).max(8_192),
  ephemeralPublicKey: base64(256).optional(),
  wrappedKey: base64(1_024).optional(),
});
export type AddPaymentPassRequest = z.infer<typeof AddPaymentPassRequest>;

/** Apple's public plaintext of encryptedPassData. */
const PassKitPlaintext = z.object({
  primaryAccountNumber: z.string().regex(/^\d{12,19}$/),
  expiration: z.string().regex(/^(0[1-9]|1[0-2])\/\d{2}$/),
  name: z.string().max(128).optional(),
  nonce: z.string().regex(/^[0-9a-f]+$/),
  nonceSignature: z.string().regex(/^[0-9a-f]+$/),
});

export type PayloadRefusal = { code: 'PAYLOAD_UNREADABLE' | 'NONCE_MISMATCH'; detail: string };

const decryptors: Record<PassKitScheme, (request: AddPaymentPassRequest, key: KeyObject) => Promise<unknown>> = {
  ECC_V2: (request, key) => {
    if (!request.ephemeralPublicKey) return Promise.reject(missing('ephemeralPublicKey', 'ECC_V2'));
    return passKitEccV2.decrypt(
      { encryptedPassData: request.encryptedPassData, ephemeralPublicKey: request.ephemeralPublicKey },
      key,
    );
  },
  RSA_V2: (request, key) => {
    if (!request.wrappedKey) return Promise.reject(missing('wrappedKey', 'RSA_V2'));
    return passKitRsaV2.decrypt({ encryptedPassData: request.encryptedPassData, wrappedKey: request.wrappedKey }, key);
  },
};

class MissingField extends Error {}
const missing = (field: string, scheme: PassKitScheme): MissingField =>
  new MissingField(`${scheme} needs ${field} beside encryptedPassData`);

/** The card inside the payload, or why the wallet refuses it. */
export async function openPassPayload(
  session: ProvisioningSession,
  request: AddPaymentPassRequest,
): Promise<{ card: CardAccount } | { refused: PayloadRefusal }> {
  let plaintext: unknown;
  try {
    plaintext = await decryptors[session.scheme](request, session.leafPrivateKey);
  } catch (error) {
    if (error instanceof MissingField) return { refused: { code: 'PAYLOAD_UNREADABLE', detail: error.message } };
    if (!(error instanceof CryptoFailure)) throw error;
    const detail = `encryptedPassData does not open with this device's key (${session.scheme}): ${error.code}`;
    return { refused: { code: 'PAYLOAD_UNREADABLE', detail } };
  }
  const parsed = PassKitPlaintext.safeParse(plaintext);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    return {
      refused: { code: 'PAYLOAD_UNREADABLE', detail: `The opened payload is not PassKit's plaintext (${fields})` },
    };
  }
  const { primaryAccountNumber, expiration, nonce, nonceSignature } = parsed.data;
  if (!sameBytes(nonce, session.nonce) || !sameBytes(nonceSignature, session.nonceSignature)) {
    return {
      refused: {
        code: 'NONCE_MISMATCH',
        detail: "The payload's nonce or nonce signature is not this session's: it was made for another device request",
      },
    };
  }
  const [month, year] = expiration.split('/').map(Number) as [number, number];
  return { card: { accountNumber: primaryAccountNumber, expiryMonth: month, expiryYear: 2000 + year } };
}

function sameBytes(hex: string, expected: Buffer): boolean {
  const bytes = Buffer.from(hex, 'hex');
  return bytes.length === expected.length && timingSafeEqual(bytes, expected);
}
