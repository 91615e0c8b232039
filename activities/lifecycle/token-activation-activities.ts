/**
 * The activities behind a YELLOW token's activation: a code sent to the cardholder by SMS or e-mail (derived
 * from the activation and the code's number, so that a retried send delivers the same code; the workflow
 * keeps only its keyed hash), a code presented checked against it, and the activation's outcome recorded
 * with the decision (and published to the webhooks). The network is told through the lifecycle activity (ACTIVATE, or DELETE when the
 * activation failed): token-lifecycle-activities.ts.
 */
import type { Pool } from 'pg';
import { deliverToDevInbox } from '../../db/dev-inbox.js';
import { recordAndPublishActivation } from '../../db/decision-events.js';
import type { ActivationOutcome } from '../../db/tokenisation-decisions.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import { codeMatches, derivedCode } from '../crypto/one-time-codes.js';
import type { IssuerKeyStore } from '../keys/key-store.js';

export interface TokenActivationActivities {
  sendActivationCode(input: {
    activationId: string;
    customerId: string;
    channel: 'SMS' | 'EMAIL';
    sequence: number;
    validityMinutes: number;
  }): Promise<{ codeHash: string }>;
  checkActivationCode(input: { activationId: string; code: string; codeHash: string }): Promise<boolean>;
  recordActivationOutcome(input: {
    network: CardNetwork;
    tokenUniqueReference: string;
    activation: ActivationOutcome;
  }): Promise<void>;
}

export function createTokenActivationActivities(deps: { pool: Pool; keys: IssuerKeyStore }): TokenActivationActivities {
  const { pool, keys } = deps;
  return {
    async sendActivationCode({ activationId, customerId, channel, sequence, validityMinutes }) {
      const { code, codeHash } = await derivedCode(keys.vault.oneTimeCode, activationId, sequence);
      // The demo channel stands for the issuer's SMS and e-mail gateways: one message per send.
      await deliverToDevInbox(pool, {
        customerId,
        channel: channel.toLowerCase(),
        enrollmentId: activationId,
        sequence,
        message: `Your code to activate your card in your wallet: ${code}. It expires in ${validityMinutes} minutes. Never share it.`,
        validityMinutes,
      });
      return { codeHash };
    },

    checkActivationCode: ({ activationId, code, codeHash }) =>
      codeMatches(keys.vault.oneTimeCode, activationId, code, codeHash),

    recordActivationOutcome: (change) => recordAndPublishActivation(pool, change),
  };
}
