/**
 * A contract test file's sandbox networks: one harness per file (closed after it) and the engine's own
 * network adapters to each sandbox network over HTTP, with the wallet tokens the tests act on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import type { CardNetworkAdapter } from '../../activities/networks/card-network.js';
import { MdesClient } from '../../activities/networks/mdes/client.js';
import { mdesNetwork } from '../../activities/networks/mdes/mdes-network.js';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { vtsNetwork } from '../../activities/networks/vts/vts-network.js';
import { startHarness, type Harness } from './sandbox-harness.js';

export type SandboxNetwork = 'mdes' | 'vts';
/** The sandbox wallet's token requestor id, and another token requestor's. */
export const walletRequestor = '50110030273';
export const otherRequestor = '50120041835';

export interface SandboxNetworks {
  /** There once the file's `beforeAll` has run. */
  readonly harness: Harness;
  readonly adapters: Record<SandboxNetwork, CardNetworkAdapter>;
  /** A new token at the network: the wallet's tokenisation of this card, approved by the harness's issuer. */
  tokenAt(network: SandboxNetwork, pan: string): Promise<string>;
}

/** Call once at the top of a test file. */
export function sandboxNetworksPerFile(): SandboxNetworks {
  let started: { harness: Harness; adapters: Record<SandboxNetwork, CardNetworkAdapter> } | undefined;

  beforeAll(async () => {
    const harness = await startHarness();
    started = {
      harness,
      adapters: {
        mdes: mdesNetwork(new MdesClient(harness.credentials, { timeoutMs: 5_000 })),
        vts: vtsNetwork(new VtsClient(harness.credentials, { timeoutMs: 5_000 })),
      },
    };
  });

  afterAll(async () => {
    await started?.harness.close();
  });

  const running = () => {
    if (!started) throw new Error('the sandbox networks are not started yet (use them in a test or a hook)');
    return started;
  };

  return {
    get harness() {
      return running().harness;
    },
    get adapters() {
      return running().adapters;
    },
    async tokenAt(network, pan) {
      const result = await running().harness.sandbox.tokeniseWithAccount[network]({
        requestId: randomUUID(),
        tokenRequestorId: walletRequestor,
        account: { accountNumber: pan, expiryMonth: 9, expiryYear: 2031 },
      });
      if (result.outcome !== 'decided' || !result.token) throw new Error(`no token: ${JSON.stringify(result)}`);
      return result.token.tokenUniqueReference;
    },
  };
}
