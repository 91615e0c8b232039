/**
 * How the simulated wallets refuse, all alike: JSON `{status, code, title, detail}`, the detail never
 * holding a card number (masked if one slipped in), each code with its one title.
 */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { maskCardNumbersIn } from '../../domain/caller-text.js';
import type { OpcWalletAnswer } from './opc-wallet.js';

const titles = {
  INVALID_REQUEST: 'The request is not valid',
  SESSION_NOT_FOUND: 'No such provisioning session',
  SESSION_EXPIRED: 'The provisioning session has expired',
  PAYLOAD_REPLAYED: 'This payload was taken already',
  PAYLOAD_UNREADABLE: 'The payload does not open',
  NONCE_MISMATCH: "The payload is not this session's",
  CARD_MISMATCH: 'The payload does not describe the card it carries',
  CARD_NOT_SUPPORTED: 'No network of the sandbox takes this card',
  TOO_MANY_SESSIONS: 'The wallet holds too many sessions',
  WALLET_NOT_FOUND: 'No such wallet on this device',
  TOKEN_NOT_FOUND: 'No such token in this wallet',
  TOKEN_NOT_PENDING: 'The token does not wait for activation',
} as const;
export type WalletRefusalCode = keyof typeof titles;

export function refuse(reply: FastifyReply, status: number, code: WalletRefusalCode, detail: string): FastifyReply {
  return reply.code(status).send({ status, code, title: titles[code], detail: maskCardNumbersIn(detail) });
}

/** A schema's complaints, each naming its field. */
export const problemOf = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');

/** A device's name in a path: the sandbox's own ids for simulated devices. */
export const deviceNamePattern = /^[A-Za-z0-9._-]{1,64}$/;

/** A wallet's answer as HTTP. */
export function answered(reply: FastifyReply, answer: OpcWalletAnswer): FastifyReply {
  if ('refused' in answer) return refuse(reply, answer.refused.status, answer.refused.code, answer.refused.detail);
  return reply.code(answer.status).send(answer.body);
}
