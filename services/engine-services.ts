/**
 * The services the API and the worker share, built one way for both: the PostgreSQL pool, the issuer's
 * keys, the card vault, the card networks (activities/networks/registry.ts), the token requestor cache, and how to reach Temporal.
 */
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import { temporalDataConverter } from '../activities/crypto/payload-codec.js';
import { IssuerKeyStore, pkcs11SettingsOf } from '../activities/keys/key-store.js';
import { MdesClient } from '../activities/networks/mdes/client.js';
import { engineNetworks, type NetworkRegistry } from '../activities/networks/registry.js';
import { TokenRequestorCache } from '../activities/token-requestors/token-requestor-cache.js';
import { CardVault } from '../activities/vault/card-vault.js';
import type { Env } from '../config/env.js';
import {
  temporalConnectionOptions,
  type TemporalConnectionOptions,
  type TemporalEnv,
} from '../config/temporal-connection.js';
import { createPool } from '../db/pool.js';

export interface EngineServices {
  pool: Pool;
  keys: IssuerKeyStore;
  vault: CardVault;
  networks: NetworkRegistry;
  tokenRequestors: TokenRequestorCache;
}

/** The services over a pool and keys already open (a process's own, or a test's). */
export function engineServices(pool: Pool, keys: IssuerKeyStore): EngineServices {
  const networks = engineNetworks(keys.networks);
  return {
    pool,
    keys,
    vault: new CardVault(pool, keys.vault),
    networks,
    // Logos come from MDES's asset service, whichever network lists the token requestor.
    tokenRequestors: new TokenRequestorCache(pool, networks, new MdesClient(keys.networks)),
  };
}

/** A process's services, with where its Temporal connection goes. */
export interface ProcessServices extends EngineServices {
  temporal: { connection: TemporalConnectionOptions; namespace: string; taskQueue: string };
  /** Ends the pool and lets go of the key store's token; the process closes its Temporal connection itself (one per process). */
  close(): Promise<void>;
}

export type ServicesEnv = TemporalEnv &
  Pick<
    Env,
    | 'DATABASE_URL'
    | 'PUSHPROV_KEYS_DIR'
    | 'PUSHPROV_NETWORK_CREDENTIALS'
    | 'PUSHPROV_NETWORK_CREDENTIALS_FILE'
    | 'PUSHPROV_WALLET_CREDENTIALS'
    | 'PUSHPROV_WALLET_CREDENTIALS_FILE'
    | 'PUSHPROV_GENERATE_KEYS'
    | 'PUSHPROV_KEY_STORE'
    | 'PKCS11_MODULE'
    | 'PKCS11_TOKEN_LABEL'
    | 'PKCS11_PIN'
    | 'PKCS11_PIN_FILE'
    | 'PKCS11_RSA_OAEP'
    | 'TEMPORAL_NAMESPACE'
    | 'TEMPORAL_TASK_QUEUE'
  >;

/**
 * Opens the issuer's keys, then the pool (named after the process in PostgreSQL's pg_stat_activity);
 * rejects saying what is missing or wrong.
 */
export async function openProcessServices(env: ServicesEnv, poolName: string): Promise<ProcessServices> {
  const databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is not set (npm start sets it to the embedded PostgreSQL)');
  const temporal = {
    connection: temporalConnectionOptions(env),
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
  };
  const keys = await IssuerKeyStore.open({
    ...(await pkcs11SettingsOf(env).then((pkcs11) => pkcs11 && { pkcs11 })),
    keysDir: env.PUSHPROV_KEYS_DIR,
    ...(env.PUSHPROV_NETWORK_CREDENTIALS && { networkCredentialsJson: env.PUSHPROV_NETWORK_CREDENTIALS }),
    networkCredentialsFile: env.PUSHPROV_NETWORK_CREDENTIALS_FILE,
    ...(env.PUSHPROV_WALLET_CREDENTIALS && { walletCredentialsJson: env.PUSHPROV_WALLET_CREDENTIALS }),
    ...(env.PUSHPROV_WALLET_CREDENTIALS_FILE && { walletCredentialsFile: env.PUSHPROV_WALLET_CREDENTIALS_FILE }),
    generateIfMissing: env.PUSHPROV_GENERATE_KEYS,
  }).catch((error: unknown) => {
    throw new Error(`cannot open the issuer's keys: ${error instanceof Error ? error.message : String(error)}`);
  });
  const pool = createPool(databaseUrl, poolName);
  const close = async (): Promise<void> => {
    await pool.end();
    await keys.close();
  };
  return { ...engineServices(pool, keys), temporal, close };
}

/** The process's one Temporal client; its payloads are encrypted with the issuer's payload keys, as the worker's. */
export async function connectTemporalClient(
  services: Pick<ProcessServices, 'keys' | 'temporal'>,
): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect(services.temporal.connection);
  const client = new Client({
    connection,
    namespace: services.temporal.namespace,
    dataConverter: temporalDataConverter(services.keys.payload),
  });
  return { connection, client };
}
