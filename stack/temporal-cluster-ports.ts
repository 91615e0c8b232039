/**
 * The loopback ports of the cluster's services, other than the frontend's: chosen free on the first start
 * and kept in the state folder, so that a restart comes back on the addresses its membership table lists.
 * The membership (ringpop) ports must fit cluster_membership's SMALLINT column, so they are taken below
 * Linux's ephemeral range, where the system's own free ports come from.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, isPortFree } from './free-port.js';
import type { ClusterPorts } from './temporal-cluster-config.js';

interface OtherPorts {
  frontendHttp: number;
  frontendMembership: number;
  history: { grpc: number; membership: number };
  matching: { grpc: number; membership: number };
  worker: { grpc: number; membership: number };
}

const membershipPorts = { lowest: 20_000, highest: 32_767 };

export async function clusterPortsIn(stateDir: string, frontendPort: number): Promise<ClusterPorts> {
  const file = path.join(stateDir, 'ports.json');
  const kept = existsSync(file) ? (JSON.parse(await readFile(file, 'utf8')) as OtherPorts) : undefined;
  const others = kept && (await usable(kept, frontendPort)) ? kept : await choose(frontendPort);
  if (others !== kept) await writeFile(file, `${JSON.stringify(others, null, 2)}\n`);
  return {
    frontend: { grpc: frontendPort, membership: others.frontendMembership },
    history: others.history,
    matching: others.matching,
    worker: others.worker,
    frontendHttp: others.frontendHttp,
  };
}

async function usable(ports: OtherPorts, frontendPort: number): Promise<boolean> {
  const membership = [ports.frontendMembership, ports.history.membership, ports.matching.membership];
  membership.push(ports.worker.membership);
  const grpc = [ports.frontendHttp, ports.history.grpc, ports.matching.grpc, ports.worker.grpc];
  const all = [...membership, ...grpc];
  if (!all.every((port) => Number.isInteger(port) && port > 0 && port < 65_536)) return false;
  if (new Set([...all, frontendPort]).size !== all.length + 1) return false;
  if (membership.some((port) => port > membershipPorts.highest)) return false;
  for (const port of all) if (!(await isPortFree(port))) return false;
  return true;
}

async function choose(frontendPort: number): Promise<OtherPorts> {
  const taken = new Set([frontendPort]);
  const next = async (candidate: () => Promise<number>): Promise<number> => {
    for (;;) {
      const port = await candidate();
      if (!taken.has(port) && (await isPortFree(port))) {
        taken.add(port);
        return port;
      }
    }
  };
  const grpc = (): Promise<number> => next(freePort);
  const { lowest, highest } = membershipPorts;
  const membership = (): Promise<number> =>
    next(() => Promise.resolve(lowest + Math.floor(Math.random() * (highest - lowest + 1))));
  return {
    frontendHttp: await grpc(),
    frontendMembership: await membership(),
    history: { grpc: await grpc(), membership: await membership() },
    matching: { grpc: await grpc(), membership: await membership() },
    worker: { grpc: await grpc(), membership: await membership() },
  };
}
