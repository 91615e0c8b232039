/**
 * A wallet enrollment's delivery stage, in place of the push: the payload built for the wallet's device
 * and handed to the app that waits for it (provisionToWallet), then the wallet's tokenisation awaited
 * from the network's calls until the payload expires. There is no fresh push: a new payload needs a new
 * nonce from the wallet, so the app starts again.
 */
import { condition } from '@temporalio/workflow';
import { EarlyEnd, orEnd } from './early-end.js';
import type { EnrollmentState } from './enrollment-state.js';
import { finishWithTokens } from './push-and-await-token-requestor.js';
import { buildWalletPayload } from './steps.js';

export async function deliverToWallet(state: EnrollmentState): Promise<void> {
  const { input, view } = state;
  const wallet = input.wallet!;
  const device = state.walletDevice!;
  const card = state.cardsIn('CAPTURED')[0]!;
  state.metrics.enterStage('push');
  state.moveTo('PUSHING');
  try {
    const built = await orEnd('FAILED', () =>
      buildWalletPayload({
        enrollmentId: state.enrollmentId,
        customerId: input.customerId,
        cardRef: card.cardRef,
        network: card.network,
        tokenRequestorId: input.tokenRequestorId,
        wallet,
        device,
        validityMinutes: state.receiptValidityMinutes,
      }),
    );
    card.receipt = built.reference;
    state.walletPayload = built.payload;
    state.settle(card, 'PUSHED');
    state.note('wallet payload built', `${wallet.wallet} ${wallet.deviceType}`);
  } finally {
    state.pushesSettled += 1;
  }
  view.receiptsExpireAt = new Date(Date.now() + state.receiptTimerMs).toISOString();
  state.metrics.enterStage('awaiting_token_requestor');
  state.moveTo('AWAITING_TOKEN_REQUESTOR');
  const settled = await condition(
    () => state.cardsIn('PUSHED').length === 0 || state.cancelRequested !== undefined,
    state.receiptTimerMs,
  );
  if (state.cardsIn('PUSHED').length === 0) {
    finishWithTokens(state);
    return;
  }
  state.stopIfCancelled();
  if (!settled) throw new EarlyEnd('EXPIRED', 'The wallet did not add the card before its payload expired');
}
