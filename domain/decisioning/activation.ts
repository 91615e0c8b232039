/**
 * A YELLOW token's activation: the ways the cardholder may prove it is them (a code by SMS or e-mail, or
 * the issuer's app), shown to the network and the wallet masked; the activation workflow's id, input and
 * messages. The code itself never leaves the activity that sends it; the workflow keeps its keyed hash.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CardNetwork, TokenStatus } from '../enrollment.js';
import type { ActivationChannel, ActivationSettings } from './rules.js';

/** One way to activate, as offered: its channel and where it goes, masked (`••• •• 47`, `j•••@example.com`). */
export interface ActivationMethod {
  channel: ActivationChannel;
  maskedDestination?: string;
}

export interface TokenActivationInput {
  network: CardNetwork;
  tokenUniqueReference: string;
  tokenRequestorId: string;
  customerId: string;
  cardRef: string;
  methods: ActivationMethod[];
  settings: ActivationSettings;
}

export type ActivationStatus = 'AWAITING_CARDHOLDER' | 'ACTIVATED' | 'EXPIRED' | 'LOCKED' | 'CANCELLED';

export interface ActivationView {
  status: ActivationStatus;
  methods: ActivationMethod[];
  /** The channel the last code went to, when one was sent. */
  codeSentTo?: 'SMS' | 'EMAIL';
  codesSent: number;
  /** Wrong codes left before code activation closes. */
  triesLeft: number;
  expiresAt: string;
}

export type ActivationAnswer =
  | { outcome: 'ACTIVATED' }
  /** Verified, but the network would not activate the token (deleted meanwhile). */
  | { outcome: 'NOT_ACTIVATED'; status: ActivationStatus }
  | { outcome: 'WRONG_CODE'; triesLeft: number }
  | { outcome: 'CODE_EXPIRED' }
  | { outcome: 'LOCKED' };

export const activationWorkflowId = (network: CardNetwork, tokenUniqueReference: string) =>
  `token-activation:${network}:${tokenUniqueReference}`;

export const activationViewQuery = defineQuery<ActivationView>('activationView');
/** Sends a code (the first, or again) to one of the code channels offered. */
export const sendActivationCodeUpdate = defineUpdate<ActivationView, [{ channel: 'SMS' | 'EMAIL' }]>(
  'sendActivationCode',
);
export const submitActivationCodeUpdate = defineUpdate<ActivationAnswer, [{ code: string }]>('submitActivationCode');
/** The cardholder confirmed in the issuer's app, where they are signed in: that is the step-up. */
export const confirmInIssuerAppUpdate = defineUpdate<ActivationAnswer, [Record<string, never>]>('confirmInIssuerApp');
/** The network says the token moved on its own (activated in the wallet, deleted): the activation ends. */
export const activationTokenUpdatedSignal = defineSignal<[{ status: TokenStatus }]>('activationTokenUpdated');

/** A phone number's last two digits only: never enough digits to be anything else. */
export function maskPhone(number: string): string {
  const digits = number.replace(/\D/g, '');
  return `••• ••• ••${digits.slice(-2)}`;
}

/** An e-mail address with its local part reduced to its first character. */
export function maskEmail(address: string): string {
  const [local = '', domain = ''] = address.split('@');
  return `${local.slice(0, 1)}•••@${domain}`;
}
