/**
 * What the engine asks of one wallet, written once per wallet in its own folder (apple-pay/, ...) and
 * listed in registry.ts: how its token requestor is reached, how its device material is checked, and the
 * payload the issuer's app hands it. Nothing outside a wallet's folder asks which wallet it is.
 */
import type { CardDetails } from '../../domain/card-number.js';
import type { PushMethod } from '../../domain/enrollment.js';
import type { Wallet, WalletDeviceMaterial, WalletPayload } from '../../domain/wallets.js';
import type { WalletOnboardingKeys } from '../keys/wallet-credentials.js';

export interface WalletAdapter {
  id: Wallet;
  /** The wallet as a consumer knows it ("Apple Pay"), in refusals. */
  brand: string;
  /** The push method its token requestor is listed with (the app's platform): eligibility checks it. */
  pushMethod: PushMethod;
  /**
   * Checks the device material against the roots the wallet handed the issuer; throws WalletRequestRefused
   * (domain/wallets.ts) saying what is wrong. Pure: the API checks before anything is written, the
   * activity again before the card is revealed.
   */
  verifyDevice(device: WalletDeviceMaterial, onboarding: WalletOnboardingKeys, now: Date): void;
  /** The card encrypted for the wallet's device, with the network's activation data beside it. */
  payload(request: {
    card: CardDetails;
    device: WalletDeviceMaterial;
    onboarding: WalletOnboardingKeys;
    activationData: string;
    now: Date;
  }): Promise<WalletPayload>;
}
