/**
 * The enrollment activities, put together from their dependencies (the worker passes the real ones, tests
 * may pass others), one file per concern beside this one. Card data stays inside these functions: they
 * take and return card references, masked numbers and keyed hashes.
 */
import type { Pool } from 'pg';
import type { IssuerKeyStore } from '../keys/key-store.js';
import type { NetworkRegistry } from '../networks/registry.js';
import type { TokenRequestorCache } from '../token-requestors/token-requestor-cache.js';
import type { CardVault } from '../vault/card-vault.js';
import { walletRegistry, type WalletRegistry } from '../wallets/registry.js';
import type { EnrollmentActivities } from './activity-types.js';
import { createCaptureActivities, type CardReader } from './capture.js';
import { createEligibilityActivities } from './eligibility.js';
import { createOneTimeCodeActivities } from './one-time-code.js';
import { createPushActivities } from './push.js';
import { createSessionAssertionActivities } from './session-assertion.js';
import { createTokenInventoryActivities } from './token-inventory.js';
import { createWalletPayloadActivities } from './wallet-payload.js';

export type { CardReader } from './capture.js';
export { sessionAssertionAudience } from './session-assertion.js';

export interface EnrollmentActivityDeps {
  pool: Pool;
  vault: CardVault;
  keys: IssuerKeyStore;
  networks: NetworkRegistry;
  tokenRequestors: TokenRequestorCache;
  cardReader?: CardReader;
  /** The wallets provisioned (activities/wallets/registry.ts) by default. */
  wallets?: WalletRegistry;
}

export function createEnrollmentActivities(deps: EnrollmentActivityDeps): EnrollmentActivities {
  return {
    ...createCaptureActivities(deps),
    ...createEligibilityActivities(deps),
    ...createOneTimeCodeActivities(deps),
    ...createSessionAssertionActivities(deps),
    ...createPushActivities(deps),
    ...createTokenInventoryActivities(deps),
    ...createWalletPayloadActivities({ ...deps, wallets: deps.wallets ?? walletRegistry() }),
  };
}
