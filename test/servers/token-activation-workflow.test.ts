// A YELLOW token's activation on Temporal's time-skipping test server, its activities test doubles that
// record what they were asked: the window passing with nothing done deletes the token at its network;
// three wrong codes with no issuer app to fall back on lock it and delete it; the code expiring is not a
// try; the network activating the token by itself ends the activation with no call; the issuer app
// activates it (the network told once, the answer given once the network has); the same token's
// activation started twice is one; and the code is never in the workflow's history.
import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { TokenActivationActivities } from '../../activities/lifecycle/token-activation-activities.js';
import type {
  TokenLifecycleActivities,
  TokenLifecycleCall,
} from '../../activities/lifecycle/token-lifecycle-activities.js';
import {
  activationTokenUpdatedSignal,
  activationViewQuery,
  activationWorkflowId,
  confirmInIssuerAppUpdate,
  sendActivationCodeUpdate,
  submitActivationCodeUpdate,
  type ActivationMethod,
  type TokenActivationInput,
} from '../../domain/decisioning/activation.js';
import { tokenActivationWorkflow } from '../../workflows/token-activation.js';
import { timeSkippingPerFile } from '../support/time-skipping.js';

const timeSkipping = timeSkippingPerFile();

const settings = {
  channels: ['SMS', 'EMAIL', 'ISSUER_APP'] as const,
  codeTries: 3,
  codeSends: 3,
  codeValidityMinutes: 10,
  windowMinutes: 60,
};
const sms: ActivationMethod = { channel: 'SMS', maskedDestination: '••• ••• ••23' };
const app: ActivationMethod = { channel: 'ISSUER_APP' };

/** Activities that record each network call and outcome; the code of send N is `00000N`. */
function doubles() {
  const told: Pick<TokenLifecycleCall, 'operation' | 'reason'>[] = [];
  const outcomes: string[] = [];
  const activities: TokenActivationActivities & Pick<TokenLifecycleActivities, 'applyTokenLifecycle'> = {
    sendActivationCode: ({ sequence }) => Promise.resolve({ codeHash: `hash-of-${String(sequence).padStart(6, '0')}` }),
    checkActivationCode: ({ code, codeHash }) => Promise.resolve(codeHash === `hash-of-${code}`),
    recordActivationOutcome: ({ activation }) => {
      outcomes.push(activation);
      return Promise.resolve();
    },
    applyTokenLifecycle: ({ operation, reason, target }) => {
      told.push({ operation, reason });
      return Promise.resolve({
        network: target.network,
        tokenUniqueReference: target.tokenUniqueReference,
        outcome: 'APPLIED',
        status: operation === 'ACTIVATE' ? 'ACTIVE' : 'DEACTIVATED',
      });
    },
  };
  return { activities, told, outcomes };
}

async function activation(
  methods: ActivationMethod[],
  run: (handle: Awaited<ReturnType<typeof start>>) => Promise<void>,
) {
  const { activities, told, outcomes } = doubles();
  const { worker, taskQueue } = await timeSkipping.newWorker(activities);
  const input: TokenActivationInput = {
    network: 'MASTERCARD',
    tokenUniqueReference: `DWSPMC${randomBytes(8).toString('hex').toUpperCase()}`,
    tokenRequestorId: '50110030273',
    customerId: 'customer-1',
    cardRef: '0b8d5a52-0c3d-4f4c-9a3f-1c1d7c7f2b11',
    methods,
    settings: { ...settings, channels: [...settings.channels] },
  };
  function start() {
    return timeSkipping.env.client.workflow.start(tokenActivationWorkflow, {
      taskQueue,
      workflowId: activationWorkflowId(input.network, input.tokenUniqueReference),
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [input],
    });
  }
  const result = await worker.runUntil(async () => {
    const handle = await start();
    await expect(start()).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await run(handle);
    return { status: await handle.result(), history: JSON.stringify(await handle.fetchHistory()) };
  });
  return { ...result, told, outcomes };
}

const refusal = (error: unknown) =>
  error instanceof WorkflowUpdateFailedError ? (error.cause as { type?: string }).type : error;

describe('a YELLOW token activation', () => {
  it('left alone for its window: EXPIRED, the network told to delete the token', async () => {
    const result = await activation([sms, app], async () => {
      await timeSkipping.env.sleep('61 minutes');
    });
    expect(result).toMatchObject({
      status: 'EXPIRED',
      told: [{ operation: 'DELETE', reason: 'OTHER' }],
      outcomes: ['EXPIRED'],
    });
  });

  it('three wrong codes with only SMS offered: LOCKED, the token deleted; an expired code is not a try', async () => {
    const result = await activation([sms], async (handle) => {
      await expect(
        handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code: '000001' }] }).catch(refusal),
      ).resolves.toBe('NotAwaited');
      await expect(
        handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'EMAIL' }] }).catch(refusal),
      ).resolves.toBe('InvalidRequest');
      await handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] });
      await timeSkipping.env.sleep('11 minutes');
      expect(await handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code: '000001' }] })).toEqual({
        outcome: 'CODE_EXPIRED',
      });
      await handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] });
      const wrong = (code: string) => handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code }] });
      expect(await wrong('123456')).toEqual({ outcome: 'WRONG_CODE', triesLeft: 2 });
      // The first code, replaced by the resend, is wrong now.
      expect(await wrong('000001')).toEqual({ outcome: 'WRONG_CODE', triesLeft: 1 });
      expect(await wrong('654321')).toEqual({ outcome: 'LOCKED' });
    });
    expect(result).toMatchObject({ status: 'LOCKED', told: [{ operation: 'DELETE' }], outcomes: ['LOCKED'] });
    expect(result.history).not.toContain('000002');
  });

  it('a right code after a wrong one: ACTIVATED, the network told once, before the answer', async () => {
    const result = await activation([sms, app], async (handle) => {
      expect(await handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] })).toMatchObject({
        codesSent: 1,
        codeSentTo: 'SMS',
      });
      expect(await handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code: '999999' }] })).toEqual({
        outcome: 'WRONG_CODE',
        triesLeft: 2,
      });
      expect(await handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code: '000001' }] })).toEqual({
        outcome: 'ACTIVATED',
      });
      expect(await handle.query(activationViewQuery)).toMatchObject({ status: 'ACTIVATED' });
    });
    expect(result).toMatchObject({
      status: 'ACTIVATED',
      told: [{ operation: 'ACTIVATE', reason: 'CARDHOLDER_VERIFIED' }],
      outcomes: ['ACTIVATED'],
    });
  });

  it('the codes used up: no fourth send; the issuer app still activates', async () => {
    const result = await activation([sms, app], async (handle) => {
      for (let send = 1; send <= 3; send += 1)
        await handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] });
      await expect(
        handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] }).catch(refusal),
      ).resolves.toBe('AttemptsExhausted');
      expect(await handle.executeUpdate(confirmInIssuerAppUpdate, { args: [{}] })).toEqual({ outcome: 'ACTIVATED' });
    });
    expect(result).toMatchObject({ status: 'ACTIVATED', told: [{ operation: 'ACTIVATE' }] });
  });

  it('codes guessed all at once take one try each: three are checked, the rest refused', async () => {
    const result = await activation([sms], async (handle) => {
      await handle.executeUpdate(sendActivationCodeUpdate, { args: [{ channel: 'SMS' }] });
      const guesses = await Promise.allSettled(
        ['111111', '222222', '333333', '444444', '555555'].map((code) =>
          handle.executeUpdate(submitActivationCodeUpdate, { args: [{ code }] }),
        ),
      );
      const answered = guesses.flatMap((guess) => (guess.status === 'fulfilled' ? [guess.value.outcome] : []));
      const refused = guesses.flatMap((guess) => (guess.status === 'rejected' ? [refusal(guess.reason)] : []));
      expect(answered.sort()).toEqual(['LOCKED', 'WRONG_CODE', 'WRONG_CODE']);
      // Refused either for the tries used up or, once the third wrong code has locked it, for being over.
      expect(refused).toHaveLength(2);
      for (const type of refused) expect(['AttemptsExhausted', 'NotAwaited']).toContain(type);
    });
    expect(result).toMatchObject({ status: 'LOCKED', told: [{ operation: 'DELETE' }] });
  });

  it('the network activates or deletes the token by itself: the activation ends, nothing told', async () => {
    for (const [status, ended] of [
      ['ACTIVE', 'ACTIVATED'],
      ['DEACTIVATED', 'CANCELLED'],
    ] as const) {
      const result = await activation([app], async (handle) => {
        await handle.signal(activationTokenUpdatedSignal, { status });
      });
      expect(result).toMatchObject({ status: ended, told: [], outcomes: [ended] });
    }
  });
});
