/**
 * provisionToWallet: the one request of a wallet enrollment, sent with its start (update-with-start) by
 * the issuer's app while the wallet's sheet waits. It authenticates the cardholder with the app session's
 * assertion and answers with the payload once the delivery stage has built it, or with how the enrollment
 * ended instead (not eligible, authentication refused). A second request is refused: the wallet's nonce
 * is good for one payload.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { ErrorType } from '../../domain/errors.js';
import { provisionToWalletUpdate } from '../../domain/messages.js';
import type { WalletDeviceMaterial, WalletProvisioningOutcome } from '../../domain/wallets.js';
import type { EnrollmentState } from './enrollment-state.js';
import { refusal } from './message-handlers.js';
import { verifySessionAssertion } from './steps.js';

export function registerWalletHandler(state: EnrollmentState): void {
  const { input, view } = state;
  setHandler(
    provisionToWalletUpdate,
    async ({ assertion, device }): Promise<WalletProvisioningOutcome> => {
      state.walletDevice = device;
      const verdict = await verifySessionAssertion({
        enrollmentId: state.enrollmentId,
        customerId: input.customerId,
        assertion,
      });
      if (verdict.valid) {
        state.authenticated = true;
        state.note('cardholder authenticated', 'app session assertion');
      } else {
        const reason = verdict.reason ?? 'The assertion does not verify';
        state.authenticationRefused = `The app session's assertion was refused (${reason})`;
        state.note('session assertion refused', reason);
        return { outcome: 'AUTHENTICATION_REFUSED', reason };
      }
      await condition(() => state.walletPayload !== undefined || state.isClosing);
      if (state.walletPayload) return { outcome: 'PAYLOAD', payload: state.walletPayload };
      return { outcome: 'ENDED', status: view.status, reason: view.reason ?? 'The enrollment ended' };
    },
    {
      validator: ({ assertion, device }) => {
        if (!input.wallet) throw refusal(ErrorType.NotAwaited, 'This enrollment does not provision a wallet');
        if (typeof assertion !== 'string' || assertion.split('.').length !== 3) {
          throw refusal(ErrorType.InvalidRequest, 'The assertion must be a compact JWS');
        }
        const sent = device as Partial<WalletDeviceMaterial> | null;
        if (typeof sent !== 'object' || sent === null || sent.wallet !== input.wallet.wallet) {
          throw refusal(ErrorType.InvalidRequest, `The device material must be ${input.wallet.wallet}'s`);
        }
        if (state.walletDevice !== undefined) {
          throw refusal(
            ErrorType.AttemptsExhausted,
            "This wallet request was already answered: the wallet's nonce is good once",
          );
        }
        if (state.isClosing) throw refusal(ErrorType.EnrollmentEnded, `The enrollment has ended (${view.status})`);
      },
    },
  );
}
