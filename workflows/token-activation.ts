/**
 * A YELLOW token's activation: the issuer decided the cardholder must step up before the token it approved
 * works. The cardholder asks for a code by SMS or e-mail (a resend is a new code; at most `codeSends`), and
 * presents it (`codeTries` wrong codes in all close code activation), or confirms in the issuer's app, where
 * they are signed in. Then the network is told (ACTIVATE) and the token is active in the inventory. Nothing
 * within the window, or the codes used up: the network is told to delete the token it holds inactive. A
 * token the network activates or deletes by itself (signal) ends the activation. Started by the decision,
 * once per token (its workflow id); the code is never in its history, only its keyed hash.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
} from '@temporalio/workflow';
import type { TokenActivationActivities } from '../activities/lifecycle/token-activation-activities.js';
import type { TokenLifecycleActivities } from '../activities/lifecycle/token-lifecycle-activities.js';
import {
  activationTokenUpdatedSignal,
  activationViewQuery,
  activationWorkflowId,
  confirmInIssuerAppUpdate,
  sendActivationCodeUpdate,
  submitActivationCodeUpdate,
  type ActivationAnswer,
  type ActivationStatus,
  type ActivationView,
  type TokenActivationInput,
} from '../domain/decisioning/activation.js';
import { ErrorType, nonRetryableErrorTypes, type RefusalType } from '../domain/errors.js';
import type { LifecycleOperation } from '../domain/token-lifecycle.js';

const retry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes,
};
const { sendActivationCode, recordActivationOutcome, applyTokenLifecycle } = proxyActivities<
  TokenActivationActivities & TokenLifecycleActivities
>({ startToCloseTimeout: '30 seconds', retry });
const { checkActivationCode } = proxyLocalActivities<TokenActivationActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes },
});

/** Refused in an update's validator, by a refusal type the API answers (api/refusals.ts). */
const refuse = (type: RefusalType, message: string): never => {
  throw ApplicationFailure.nonRetryable(message, type);
};

export async function tokenActivationWorkflow(input: TokenActivationInput): Promise<ActivationStatus> {
  const { settings, network, tokenUniqueReference } = input;
  const activationId = activationWorkflowId(network, tokenUniqueReference);
  const started = Date.now();
  const state = {
    status: 'AWAITING_CARDHOLDER' as ActivationStatus,
    codesSent: 0,
    triesLeft: settings.codeTries,
    code: undefined as { hash: string; sentAt: number; channel: 'SMS' | 'EMAIL' } | undefined,
    /** The cardholder proved it is them: the network is to be told. */
    verified: false,
    /** The network has been told (or had nothing to be told): the cardholder's update can be answered. */
    settled: false,
  };
  /** The answer to a cardholder who proved it is them, once the network has activated the token (or refused). */
  const activated = async (): Promise<ActivationAnswer> => {
    state.verified = true;
    await condition(() => state.settled);
    return state.status === 'ACTIVATED' ? { outcome: 'ACTIVATED' } : { outcome: 'NOT_ACTIVATED', status: state.status };
  };
  const offered = (channel: string) => input.methods.some((method) => method.channel === channel);
  const view = (): ActivationView => ({
    status: state.status,
    methods: input.methods,
    ...(state.code && { codeSentTo: state.code.channel }),
    codesSent: state.codesSent,
    triesLeft: state.triesLeft,
    expiresAt: new Date(started + settings.windowMinutes * 60_000).toISOString(),
  });
  const awaiting = () => {
    if (state.status !== 'AWAITING_CARDHOLDER' || state.verified) {
      refuse(ErrorType.NotAwaited, `The activation is ${state.verified ? 'verified' : state.status}`);
    }
  };
  setHandler(activationViewQuery, view);

  setHandler(
    sendActivationCodeUpdate,
    async ({ channel }) => {
      state.codesSent += 1;
      const sequence = state.codesSent;
      const { codeHash } = await sendActivationCode({
        activationId,
        customerId: input.customerId,
        channel,
        sequence,
        validityMinutes: settings.codeValidityMinutes,
      });
      // A resend replaces the code before it: only the newest one is good.
      state.code = { hash: codeHash, sentAt: Date.now(), channel };
      return view();
    },
    {
      validator: ({ channel }: { channel: 'SMS' | 'EMAIL' }) => {
        awaiting();
        if (!offered(channel)) refuse(ErrorType.InvalidRequest, `${channel} is not offered for this activation`);
        if (state.triesLeft <= 0)
          refuse(ErrorType.AttemptsExhausted, 'Code activation is closed: too many wrong codes');
        if (state.codesSent >= settings.codeSends) {
          refuse(ErrorType.AttemptsExhausted, `No more codes: ${settings.codeSends} were sent`);
        }
      },
    },
  );

  setHandler(
    submitActivationCodeUpdate,
    async ({ code }): Promise<ActivationAnswer> => {
      const sent = state.code!;
      if (Date.now() - sent.sentAt > settings.codeValidityMinutes * 60_000) return { outcome: 'CODE_EXPIRED' };
      // The try is taken before the check: codes sent at once each take one, however the checks interleave.
      state.triesLeft -= 1;
      const left = state.triesLeft;
      if (await checkActivationCode({ activationId, code, codeHash: sent.hash })) {
        state.triesLeft += 1;
        return activated();
      }
      if (left > 0) return { outcome: 'WRONG_CODE', triesLeft: left };
      // Without the issuer's app to fall back on, nothing is left: the token goes.
      if (!offered('ISSUER_APP')) state.status = 'LOCKED';
      return { outcome: 'LOCKED' };
    },
    {
      validator: ({ code }: { code: string }) => {
        awaiting();
        if (!/^\d{6}$/.test(code)) refuse(ErrorType.InvalidRequest, 'A code is six digits');
        if (state.triesLeft <= 0)
          refuse(ErrorType.AttemptsExhausted, 'Code activation is closed: too many wrong codes');
        if (!state.code) refuse(ErrorType.NotAwaited, 'No code was sent: ask for one first');
      },
    },
  );

  setHandler(confirmInIssuerAppUpdate, (_confirmation) => activated(), {
    validator: (_confirmation) => {
      awaiting();
      if (!offered('ISSUER_APP')) {
        refuse(ErrorType.InvalidRequest, 'Activation in the issuer app is not offered for this token');
      }
    },
  });

  setHandler(activationTokenUpdatedSignal, ({ status }) => {
    if (state.status !== 'AWAITING_CARDHOLDER' || state.verified) return;
    if (status === 'ACTIVE') state.status = 'ACTIVATED';
    if (status === 'DEACTIVATED') state.status = 'CANCELLED';
  });

  setCurrentDetails(details(input, 'AWAITING_CARDHOLDER'));
  const decided = await condition(
    () => state.verified || state.status !== 'AWAITING_CARDHOLDER',
    settings.windowMinutes * 60_000,
  );
  if (!decided) state.status = 'EXPIRED';
  if (state.verified) state.status = 'ACTIVATED';

  // Told to the network: activated by the issuer's step-up, or deleted (expired, locked); nothing to tell
  // when the network itself moved the token.
  const toTell: Partial<Record<ActivationStatus, LifecycleOperation>> = state.verified
    ? { ACTIVATED: 'ACTIVATE' }
    : { EXPIRED: 'DELETE', LOCKED: 'DELETE' };
  const operation = toTell[state.status];
  if (operation) {
    const told = await applyTokenLifecycle({
      operationId: activationId,
      target: { network, tokenUniqueReference, tokenRequestorId: input.tokenRequestorId, status: 'INACTIVE' },
      operation,
      reason: operation === 'ACTIVATE' ? 'CARDHOLDER_VERIFIED' : 'OTHER',
      requestedBy: 'issuer:token-activation',
    });
    // The network would not activate it (deleted meanwhile, unknown): the activation did not happen.
    if (operation === 'ACTIVATE' && told.outcome === 'REFUSED') state.status = 'CANCELLED';
  }
  state.settled = true;
  await recordActivationOutcome({
    network,
    tokenUniqueReference,
    activation: state.status as Exclude<ActivationStatus, 'AWAITING_CARDHOLDER'>,
  });
  setCurrentDetails(details(input, state.status));
  await condition(allHandlersFinished);
  return state.status;
}

function details(input: TokenActivationInput, status: ActivationStatus): string {
  const channels = input.methods.map((method) => method.channel).join(', ');
  return `**${status}** · token requestor ${input.tokenRequestorId} · by ${channels}`;
}
