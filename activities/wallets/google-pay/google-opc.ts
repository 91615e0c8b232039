/**
 * Google's own opaque payment card (Unified Push Provisioning's `googleOpc`), both sides of it: the engine
 * seals `{protocolHeader, validationContext: {serverSessionId}, paymentCard}` (public) as an OpenPGP message
 * (RFC 4880 / 9580) signed with the issuer's key and encrypted to Google's, then base64; the wallet's side
 * opens it with Google's private key and requires the issuer's signature (a sandbox Google Wallet, tests).
 */
import { readKey, readPrivateKey, type PrivateKey, type PublicKey } from 'openpgp';
import { CryptoFailure, CryptoFailureCode } from '../../../domain/crypto-failure.js';
import { openOpenPgp, sealOpenPgp } from '../../crypto/openpgp-messages.js';

export interface GoogleOpc {
  protocolHeader: { version: 1 };
  validationContext: { serverSessionId: string };
  paymentCard: { accountNumber: string; expiryMonth: number; expiryYear: number };
}

/** An OPC is a few kilobytes at most; anything far longer is not one, and is not decoded. */
const maximumOpcLength = 64 * 1024;

/** Google's public key the OPC is encrypted to (its newest), and the issuer's private key that signs it. */
export interface GoogleOpcSealingKeys {
  googleEncryptionKey: PublicKey;
  issuerSigningKey: PrivateKey;
}

/** The wallet's side: its private keys (any may be the one used, while one is rotated) and the issuer's public keys. */
export interface GoogleOpcOpeningKeys {
  googleDecryptionKeys: PrivateKey[];
  issuerVerificationKeys: PublicKey[];
}

export async function sealGoogleOpc(opc: GoogleOpc, keys: GoogleOpcSealingKeys): Promise<string> {
  const sealed = await sealOpenPgp(JSON.stringify(opc), {
    encryptionKey: keys.googleEncryptionKey,
    signingKey: keys.issuerSigningKey,
  });
  return Buffer.from(sealed).toString('base64');
}

/**
 * The OPC opened and its issuer's signature verified; throws CryptoFailure saying what is wrong (not for
 * this key, unsigned or signed by another key, altered, not an OPC), never quoting the card.
 */
export async function openGoogleOpc(opc: string, keys: GoogleOpcOpeningKeys): Promise<GoogleOpc> {
  if (opc.length === 0 || opc.length > maximumOpcLength || !/^[A-Za-z0-9+/]+={0,2}$/.test(opc)) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The OPC is not base64');
  }
  const text = await openOpenPgp(
    Buffer.from(opc, 'base64'),
    { decryptionKeys: keys.googleDecryptionKeys, verificationKeys: keys.issuerVerificationKeys },
    'OPC',
  );
  return parsedOpc(text);
}

function parsedOpc(text: string): GoogleOpc {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The OPC does not hold JSON');
  }
  const opc = value as Partial<GoogleOpc> | null;
  const card = opc?.paymentCard;
  if (
    opc?.protocolHeader?.version !== 1 ||
    typeof opc.validationContext?.serverSessionId !== 'string' ||
    typeof card?.accountNumber !== 'string' ||
    !Number.isInteger(card.expiryMonth) ||
    !Number.isInteger(card.expiryYear)
  ) {
    throw new CryptoFailure(CryptoFailureCode.Malformed, 'The OPC does not hold a version 1 payment card');
  }
  return opc as GoogleOpc;
}

/** Armored keys read: Google's public ones (newest last, the one sealed to) and the issuer's private one. */
export async function readGoogleOpcKeys(armored: {
  googleEncryptionKeys: readonly string[];
  issuerSigningKey: string;
}): Promise<GoogleOpcSealingKeys & { googleEncryptionKeys: PublicKey[] }> {
  const googleEncryptionKeys = await Promise.all(
    armored.googleEncryptionKeys.map((armoredKey) => readKey({ armoredKey })),
  );
  if (googleEncryptionKeys.some((key) => key.isPrivate())) {
    throw new TypeError("Google's OPC keys must be public keys");
  }
  const issuerSigningKey = await readPrivateKey({ armoredKey: armored.issuerSigningKey });
  if (!issuerSigningKey.isDecrypted())
    throw new TypeError("The issuer's OPC signing key must not be passphrase-locked");
  return { googleEncryptionKeys, googleEncryptionKey: googleEncryptionKeys.at(-1)!, issuerSigningKey };
}
