/**
 * buildWalletPayload, where a wallet's payload is made: the device material checked again (the API
 * checked it before starting; the roots may have been rotated since), the card revealed from the vault
 * and encrypted for the wallet (its device, or the wallet and the card's network), the network's activation
 * data signed, and the provisioning
 * recorded under a reference of its own, by which the network's calls find the enrollment when the wallet
 * tokenises. The PAN leaves this function only encrypted for the wallet.
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { customerProfileOf } from '../../db/customer-profiles.js';
import { recordWalletProvisioning } from '../../db/push-receipts.js';
import { ErrorType } from '../../domain/errors.js';
import { WalletRequestRefused } from '../../domain/wallets.js';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { CardVault } from '../vault/card-vault.js';
import type { WalletRegistry } from '../wallets/registry.js';
import type { EnrollmentActivities } from './activity-types.js';
import { nonRetryable } from './failures.js';

/**
 * The reference of an enrollment's wallet provisioning: derived from it and its run, so that a retried
 * activity keeps it, and a later enrollment under the same id (Google's, once the last one ended) has its own.
 */
export function walletProvisioningReference(enrollmentId: string, runId?: string): string {
  const of = runId ? `${enrollmentId}:${runId}:wallet` : `${enrollmentId}:wallet`;
  return `WP-${createHash('sha256').update(of).digest('hex').slice(0, 40)}`;
}

/** The workflow run this activity serves, when it runs as one (not when called directly). */
function currentRunId(): string | undefined {
  try {
    return Context.current().info.workflowExecution?.runId;
  } catch {
    return undefined;
  }
}

export function createWalletPayloadActivities(deps: {
  pool: Pool;
  vault: CardVault;
  keys: IssuerKeyStore;
  networks: NetworkRegistry;
  wallets: WalletRegistry;
}): Pick<EnrollmentActivities, 'buildWalletPayload'> {
  const { pool, vault, keys } = deps;
  return {
    async buildWalletPayload(input) {
      const now = new Date();
      const wallet = deps.wallets.of(input.wallet.wallet);
      const onboarding = keys.wallets.of(input.wallet.wallet);
      if (!wallet || !onboarding) {
        throw nonRetryable(ErrorType.NotEligible, `${input.wallet.wallet} is not offered by this issuer`);
      }
      try {
        wallet.verifyDevice(input.device, onboarding, now);
      } catch (error) {
        if (error instanceof WalletRequestRefused) throw nonRetryable(ErrorType.InvalidRequest, error.message);
        throw error;
      }
      const reference = walletProvisioningReference(input.enrollmentId, currentRunId());
      const network = deps.networks.of(input.network);
      const [card, holder] = await Promise.all([
        vault.reveal(input.cardRef),
        customerProfileOf(pool, input.customerId),
      ]);
      const activationData = await network.walletActivationData({
        card,
        reference,
        methods: ['swk', 'mfa'],
        credentials: keys.networks,
        signing: keys.signing,
      });
      const payload = await wallet.payload({
        card,
        device: input.device,
        onboarding,
        network,
        credentials: keys.networks,
        tokenRequestorId: input.tokenRequestorId,
        activationData,
        reference,
        holder,
        signing: keys.signing,
        now,
      });
      await recordWalletProvisioning(pool, {
        receipt: reference,
        network: input.network,
        enrollmentId: input.enrollmentId,
        cardRef: input.cardRef,
        tokenRequestorId: input.tokenRequestorId,
        wallet: input.wallet.wallet,
        expiresAt: new Date(now.getTime() + input.validityMinutes * 60_000),
      });
      // Recorded first, so that the network's calls find it once the wallet, told now, tokenises.
      const delivered = wallet.deliver ? await wallet.deliver(payload, onboarding) : payload;
      return { reference, payload: delivered };
    },
  };
}
