/**
 * The configuration of the local Temporal cluster: one temporal-server process running the frontend,
 * history, matching and worker services on loopback ports, persisting to PostgreSQL (plugin postgres12,
 * pgx) in two databases, and its dynamic config. Written as JSON, which the server's YAML loader reads.
 */

export const clusterServices = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof clusterServices)[number];

/** gRPC and membership (ringpop) port of each service, and the frontend's HTTP API port. */
export type ClusterPorts = Record<ClusterService, { grpc: number; membership: number }> & { frontendHttp: number };

export interface ClusterDatabaseServer {
  host: string;
  port: number;
  user: string;
  password: string;
}

export const clusterDatabases = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;

export interface ClusterConfigOptions {
  host: string;
  ports: ClusterPorts;
  database: ClusterDatabaseServer;
  /** Fixed for the life of the persistence database: the server refuses to start on another count. */
  numHistoryShards: number;
  dynamicConfigFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

export const clusterName = 'active';

export function temporalServerConfig(options: ClusterConfigOptions): object {
  const { host, ports, database } = options;
  const datastore = (databaseName: string, maxConns: number): object => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${database.host}:${database.port}`,
      connectProtocol: 'tcp',
      user: database.user,
      password: database.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const services = Object.fromEntries(
    clusterServices.map((service) => [
      service,
      {
        rpc: {
          grpcPort: ports[service].grpc,
          membershipPort: ports[service].membership,
          bindOnIP: host,
          ...(service === 'frontend' && { httpPort: ports.frontendHttp }),
        },
      },
    ]),
  );
  return {
    log: { stdout: true, level: options.logLevel, format: 'console' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: options.numHistoryShards,
      datastores: {
        'postgres-default': datastore(clusterDatabases.persistence, 20),
        'postgres-visibility': datastore(clusterDatabases.visibility, 10),
      },
    },
    // No metrics section: the server reports none (the engine's own metrics come from its worker).
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: host } },
    services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: clusterName,
      currentClusterName: clusterName,
      clusterInformation: {
        [clusterName]: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: `${host}:${ports.frontend.grpc}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    dynamicConfigClient: { filepath: options.dynamicConfigFile, pollInterval: '10s' },
  };
}

/**
 * What the engine asks of the server beyond its defaults. Eager activity dispatch, as on the dev server:
 * an activity scheduled by a workflow task goes back to the worker in the answer to that task.
 */
export function clusterDynamicConfig(): object {
  return { 'system.enableActivityEagerExecution': [{ value: true }] };
}
