/**
 * How every process reaches Temporal, from the environment: the address, and TLS when configured (a CA
 * for a self-hosted cluster, a client certificate and key for mTLS, an API key for Temporal Cloud).
 * The same options serve the client's Connection and the worker's NativeConnection.
 */
import { readFileSync } from 'node:fs';
import type { Env } from './env.js';

export interface TemporalConnectionOptions {
  address: string;
  tls?: {
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverNameOverride?: string;
  };
  apiKey?: string;
}

export class TemporalConnectionConfigError extends Error {
  override name = 'TemporalConnectionConfigError';
}

export type TemporalEnv = Pick<
  Env,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_TLS'
  | 'TEMPORAL_TLS_CA_FILE'
  | 'TEMPORAL_TLS_CERT_FILE'
  | 'TEMPORAL_TLS_KEY_FILE'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

export function temporalConnectionOptions(env: TemporalEnv): TemporalConnectionOptions {
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch {
      throw new TemporalConnectionConfigError(`Cannot read ${what} at ${file}`);
    }
  };
  if (Boolean(env.TEMPORAL_TLS_CERT_FILE) !== Boolean(env.TEMPORAL_TLS_KEY_FILE)) {
    throw new TemporalConnectionConfigError('TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together (mTLS)');
  }
  const tls =
    env.TEMPORAL_TLS === 'true' || env.TEMPORAL_TLS_CA_FILE || env.TEMPORAL_TLS_CERT_FILE || env.TEMPORAL_API_KEY
      ? {
          ...(env.TEMPORAL_TLS_CA_FILE && {
            serverRootCACertificate: read(env.TEMPORAL_TLS_CA_FILE, 'the Temporal CA'),
          }),
          ...(env.TEMPORAL_TLS_CERT_FILE &&
            env.TEMPORAL_TLS_KEY_FILE && {
              clientCertPair: {
                crt: read(env.TEMPORAL_TLS_CERT_FILE, 'the client certificate'),
                key: read(env.TEMPORAL_TLS_KEY_FILE, 'the client key'),
              },
            }),
          ...(env.TEMPORAL_TLS_SERVER_NAME && { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME }),
        }
      : undefined;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(tls && { tls }),
    ...(env.TEMPORAL_API_KEY && { apiKey: env.TEMPORAL_API_KEY }),
  };
}
