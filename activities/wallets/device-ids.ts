/**
 * The Android wallets' device material: two opaque ids (the wallet's account or user, and the device),
 * which the API's schema has bounded and the adapters check again; and what makes one provisioning of a
 * card to those ids this one. Google Pay's and Samsung Pay's adapters share it.
 */
import { holdsCardNumber } from '../../domain/caller-text.js';
import { createHash } from 'node:crypto';
import { googlePayIdPattern, WalletRefusalReason, WalletRequestRefused } from '../../domain/wallets.js';
import type { WalletProvisioningIdentity } from './wallet-adapter.js';

/** The ids, each an id of the wallet's SDK and no card number; refused naming the field, never its value. */
export function checkedIds<Name extends string>(ids: Record<Name, unknown>, sdk: string): Record<Name, string> {
  for (const [name, id] of Object.entries(ids)) {
    if (typeof id !== 'string' || !googlePayIdPattern.test(id) || holdsCardNumber(id)) {
      throw new WalletRequestRefused(WalletRefusalReason.DeviceMaterialMalformed, `The ${name} is not a ${sdk} id`);
    }
  }
  return ids as Record<Name, string>;
}

/**
 * No nonce: one provisioning at a time per wallet account, device and card; a new one once it has ended.
 * The key is a digest, so the ids appear in no workflow id.
 */
export function deviceIdsIdentity(ids: readonly string[], cardRef: string): WalletProvisioningIdentity {
  return {
    key: createHash('sha256')
      .update(JSON.stringify([...ids, cardRef]))
      .digest('hex'),
    reusePolicy: 'ALLOW_DUPLICATE',
    alreadyAnswered: WalletRefusalReason.ProvisioningInProgress,
  };
}
