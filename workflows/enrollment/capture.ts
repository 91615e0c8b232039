/** The capture stage: the cards resolved and vaulted, and numbers read from a picture confirmed by the consumer. */
import { condition, upsertSearchAttributes } from '@temporalio/workflow';
import { captureConfirmationWindowMs } from '../../domain/enrollment.js';
import { CaptureMethodKey, CardNetworkKey } from '../../domain/search-attributes.js';
import { EarlyEnd, orEnd } from './early-end.js';
import type { EnrollmentState } from './enrollment-state.js';
import { remoteSteps, shortSteps } from './steps.js';

export async function captureCards(state: EnrollmentState): Promise<void> {
  const { input, view } = state;
  const captured = await orEnd('FAILED', () =>
    // Reading a picture takes seconds: too long for a local activity.
    (input.cards.some((card) => card.method === 'ocr') ? remoteSteps : shortSteps()).captureCards({
      enrollmentId: state.enrollmentId,
      customerId: input.customerId,
      cards: input.cards,
    }),
  );
  view.cards = captured.map((card) => ({
    cardRef: card.cardRef,
    maskedPan: card.maskedPan,
    network: card.network,
    captureMethod: card.captureMethod,
    state: 'CAPTURED',
  }));
  const networks = [...new Set(captured.map((card) => card.network))];
  const methods = [...new Set(captured.map((card) => card.captureMethod))];
  upsertSearchAttributes([
    { key: CardNetworkKey, value: networks.join(',') },
    { key: CaptureMethodKey, value: methods.join(',') },
  ]);
  state.note('cards captured', view.cards.map((card) => card.maskedPan).join(', '));
  if (networks.length > 1) {
    throw new EarlyEnd('FAILED', 'The cards are on different networks: push them in one enrollment per network');
  }
  state.stopIfCancelled();
  if (captured.some((card) => card.requiresConfirmation)) {
    view.awaitingCaptureConfirmation = true;
    await condition(
      () => state.captureConfirmed !== undefined || state.cancelRequested !== undefined,
      captureConfirmationWindowMs,
    );
    view.awaitingCaptureConfirmation = false;
    state.stopIfCancelled();
    if (state.captureConfirmed === undefined)
      throw new EarlyEnd('CANCELLED', 'The card number was not confirmed in time');
    if (!state.captureConfirmed) {
      throw new EarlyEnd('CANCELLED', 'The consumer rejected the card number read from the picture');
    }
  }
  for (const card of captured) state.bins.set(card.cardRef, card.bin);
}
