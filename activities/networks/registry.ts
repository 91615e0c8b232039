/**
 * The networks this engine pushes to, one line each. The worker and the API build it from the issuer's
 * network credentials; tests may build one of their own with `networkRegistry`.
 */
import type { CardNetwork } from '../../domain/enrollment.js';
import type { NetworkCredentials } from '../keys/network-credentials.js';
import type { CardNetworkAdapter } from './card-network.js';
import { MdesClient } from './mdes/client.js';
import { mdesNetwork } from './mdes/mdes-network.js';
import { VtsClient } from './vts/client.js';
import { vtsNetwork } from './vts/vts-network.js';

export function engineNetworks(credentials: NetworkCredentials): NetworkRegistry {
  return networkRegistry([mdesNetwork(new MdesClient(credentials)), vtsNetwork(new VtsClient(credentials))]);
}

export interface NetworkRegistry {
  readonly all: readonly CardNetworkAdapter[];
  /** The network of this id; one the engine does not know is a programming error. */
  of(id: CardNetwork): CardNetworkAdapter;
}

export function networkRegistry(networks: readonly CardNetworkAdapter[]): NetworkRegistry {
  const byId = new Map(networks.map((network) => [network.id, network]));
  if (byId.size !== networks.length) throw new Error('A network is listed twice');
  return {
    all: networks,
    of(id) {
      const network = byId.get(id);
      if (!network) throw new Error(`No such card network: ${id}`);
      return network;
    },
  };
}
