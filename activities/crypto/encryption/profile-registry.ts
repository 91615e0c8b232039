/**
 * Which profile encrypts card data for whom: each profile's name bound to how it draws its key from the
 * network credentials. A new scheme (say a wallet's own) is a module in this folder, its name in
 * network-credentials.ts, a line here, and a line of configuration (`encryptionProfileByTokenRequestor`).
 */
import type { KeyObject } from 'node:crypto';
import type { PassKitScheme } from '../../../domain/wallets.js';
import type { MdesProfileName, NetworkCredentials, VtsProfileName } from '../../keys/network-credentials.js';
import { passKitEccV2, passKitRsaV2, type PassKitPayload } from './passkit-profiles.js';
import { mdesFieldLevel, mdesJwe, vtsRsaJwe, vtsSharedSecretJwe, type FieldLevelPayload } from './profiles.js';

export type MdesEncryptedPayload = { encryptedValue: string } | FieldLevelPayload;

type Encrypt<Wire> = (plaintext: unknown, credentials: NetworkCredentials) => Promise<Wire>;

export const mdesPayloadProfiles: Record<MdesProfileName, Encrypt<MdesEncryptedPayload>> = {
  'mdes-jwe': (plaintext, credentials) => mdesJwe.encrypt(plaintext, credentials.currentEncryptionKey('mdes')),
  'mdes-field-level': (plaintext, credentials) =>
    mdesFieldLevel.encrypt(plaintext, { certificatePem: credentials.currentEncryptionKey('mdes').certificatePem! }),
};

export const vtsPayloadProfiles: Record<VtsProfileName, Encrypt<string>> = {
  'vts-shared-secret-jwe': (plaintext, credentials) =>
    vtsSharedSecretJwe.encrypt(plaintext, {
      apiKey: credentials.vts.apiKey,
      sharedSecret: credentials.vts.sharedSecrets.at(-1)!,
    }),
  'vts-rsa-jwe': (plaintext, credentials) => {
    const { kid, publicKey } = credentials.currentEncryptionKey('vts');
    return vtsRsaJwe.encrypt(plaintext, { kid, publicKey });
  },
};

/** Apple Pay in-app: the scheme PassKit asked for, encrypting for the leaf key of the device's certificate. */
export const walletPayloadProfiles: Record<
  PassKitScheme,
  (plaintext: unknown, leafPublicKey: KeyObject) => Promise<PassKitPayload>
> = {
  ECC_V2: (plaintext, leafPublicKey) => passKitEccV2.encrypt(plaintext, leafPublicKey),
  RSA_V2: (plaintext, leafPublicKey) => passKitRsaV2.encrypt(plaintext, leafPublicKey),
};
