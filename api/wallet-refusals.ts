/**
 * How the API answers a wallet provisioning request it cannot serve: each reason its status and problem
 * type (`/problems/<name>`, described by GET /problems/{name}), in one table beside refusals.ts's.
 */
import type { FastifyReply } from 'fastify';
import { WalletRefusalReason } from '../domain/wallets.js';
import { sendProblem } from './problem.js';
import { problemTypeOf, type RefusalAnswer } from './refusals.js';

export type WalletProblemAnswer = Omit<RefusalAnswer, 'status'> & { status: 400 | 403 | 409 | 422 };

/** The wallet's device material refused (domain/wallets.ts): the app sent what the wallet would not vouch for. */
export const walletRefusalAnswers: Record<WalletRefusalReason, WalletProblemAnswer> = {
  [WalletRefusalReason.CertificateChainMalformed]: {
    status: 400,
    name: 'wallet-certificates-malformed',
    title: 'Invalid body',
    meaning: "The wallet's certificates are not a leaf and its sub-CA in DER",
  },
  [WalletRefusalReason.CertificateNotTrusted]: {
    status: 422,
    name: 'wallet-certificate-not-trusted',
    title: 'Wallet certificate not trusted',
    meaning: 'The device certificate does not chain to a root the wallet handed the issuer',
  },
  [WalletRefusalReason.CertificateNotValidNow]: {
    status: 422,
    name: 'wallet-certificate-not-valid-now',
    title: 'Wallet certificate not valid now',
    meaning: 'A certificate of the chain has expired, or is not yet valid',
  },
  [WalletRefusalReason.CertificateKeyUsage]: {
    status: 422,
    name: 'wallet-certificate-key-usage',
    title: 'Wallet certificate not for this use',
    meaning: 'A certificate of the chain may not be used for what provisioning needs of it',
  },
  [WalletRefusalReason.SchemeKeyMismatch]: {
    status: 422,
    name: 'wallet-scheme-key-mismatch',
    title: 'Encryption scheme does not fit the key',
    meaning: "The device certificate's key is not the kind the encryption scheme needs",
  },
  [WalletRefusalReason.NonceSignatureInvalid]: {
    status: 422,
    name: 'wallet-nonce-signature-invalid',
    title: 'Nonce signature invalid',
    meaning: "The nonce signature does not verify with the device certificate's key over this nonce",
  },
  [WalletRefusalReason.NonceReplayed]: {
    status: 409,
    name: 'wallet-nonce-replayed',
    title: 'Wallet request replayed',
    meaning: 'This wallet nonce was already answered: a nonce is good for one payload; the app starts again',
  },
  [WalletRefusalReason.DeviceMaterialMalformed]: {
    status: 400,
    name: 'wallet-device-material-malformed',
    title: 'Invalid body',
    meaning: "The wallet's device material is not the wallet's kind, or its ids are not ids",
  },
  [WalletRefusalReason.ProvisioningInProgress]: {
    status: 409,
    name: 'wallet-provisioning-in-progress',
    title: 'Wallet provisioning under way',
    meaning:
      'A provisioning of this card to this wallet account and device is under way and answers once; a new one may start when it has ended',
  },
  [WalletRefusalReason.WebSessionReplayed]: {
    status: 409,
    name: 'wallet-web-session-replayed',
    title: 'Wallet web session replayed',
    meaning:
      "This wallet web session was already answered: a session is good for one card; the page opens the wallet's window again",
  },
  [WalletRefusalReason.WebPushNotOffered]: {
    status: 422,
    name: 'wallet-web-push-not-offered',
    title: 'Web push not offered',
    meaning: 'This issuer has no web push onboarding with the wallet (for Google Pay: its notification endpoint)',
  },
};

/** Why a well-formed wallet request was not served: the wallet is not offered, or the enrollment ended. */
export const walletOutcomeAnswers = {
  notOffered: {
    status: 422,
    name: 'wallet-not-offered',
    title: 'Wallet not offered',
    meaning: "This issuer does not offer the wallet for the card's network, or the wallet does not take the card",
  },
  authenticationRefused: {
    status: 403,
    name: 'session-assertion-refused',
    title: 'Session assertion refused',
    meaning: "The app session's assertion does not vouch for this customer now; the enrollment has ended",
  },
  ended: {
    status: 422,
    name: 'wallet-provisioning-ended',
    title: 'Wallet provisioning ended',
    meaning: 'The enrollment ended before the payload was built (declined or failed); the detail says why',
  },
} satisfies Record<string, WalletProblemAnswer>;

export const walletProblemAnswers: readonly WalletProblemAnswer[] = [
  ...Object.values(walletRefusalAnswers),
  ...Object.values(walletOutcomeAnswers),
];

export function answerWalletProblem(reply: FastifyReply, answer: WalletProblemAnswer, detail: string): FastifyReply {
  return sendProblem(reply, answer.status, answer.title, detail, {}, problemTypeOf(answer));
}
