/** The worker's real activities (enrollments, token requestor refresh) and what they need, built from the environment. */
import type { Pool } from 'pg';
import { TesseractCardReader } from '../activities/capture/tesseract-card-reader.js';
import { createEnrollmentActivities } from '../activities/create-enrollment-activities.js';
import type { EnrollmentActivities } from '../activities/enrollment-activities.js';
import { IssuerKeyStore } from '../activities/keys/key-store.js';
import { MdesClient } from '../activities/networks/mdes/client.js';
import { VtsClient } from '../activities/networks/vts/client.js';
import {
  createTokenRequestorActivities,
  type TokenRequestorActivities,
} from '../activities/token-requestors/token-requestor-activities.js';
import { TokenRequestorCache } from '../activities/token-requestors/token-requestor-cache.js';
import { CardVault } from '../activities/vault/card-vault.js';
import type { Env } from '../config/env.js';

export interface WorkerDependencies {
  activities: EnrollmentActivities & TokenRequestorActivities;
  /** Holds an OCR worker once used: closed when the process stops. */
  cardReader: TesseractCardReader;
  keys: IssuerKeyStore;
  tokenRequestors: TokenRequestorCache;
}

export async function buildEnrollmentActivities(
  env: Pick<
    Env,
    | 'PUSHPROV_KEYS_DIR'
    | 'PUSHPROV_NETWORK_CREDENTIALS'
    | 'PUSHPROV_NETWORK_CREDENTIALS_FILE'
    | 'PUSHPROV_GENERATE_KEYS'
  >,
  pool: Pool,
): Promise<WorkerDependencies> {
  const keys = await IssuerKeyStore.open({
    keysDir: env.PUSHPROV_KEYS_DIR,
    ...(env.PUSHPROV_NETWORK_CREDENTIALS && { networkCredentialsJson: env.PUSHPROV_NETWORK_CREDENTIALS }),
    networkCredentialsFile: env.PUSHPROV_NETWORK_CREDENTIALS_FILE,
    generateIfMissing: env.PUSHPROV_GENERATE_KEYS,
  });
  const mdes = new MdesClient(keys.networks);
  const vts = new VtsClient(keys.networks);
  const tokenRequestors = new TokenRequestorCache(pool, { mdes, vts });
  const cardReader = new TesseractCardReader();
  const activities = {
    ...createEnrollmentActivities({
      pool,
      vault: new CardVault(pool, keys.vault),
      keys,
      mdes,
      vts,
      tokenRequestors,
      cardReader,
    }),
    ...createTokenRequestorActivities({ pool, cache: tokenRequestors }),
  };
  return { activities, cardReader, keys, tokenRequestors };
}
