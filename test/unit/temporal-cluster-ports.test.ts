import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterPortsIn } from '../../stack/temporal-cluster-ports.js';

let stateDir: string;
const listening: Server[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(path.join(tmpdir(), 'pushprov-cluster-ports-'));
});

afterEach(async () => {
  for (const server of listening.splice(0)) await new Promise((resolve) => server.close(resolve));
  await rm(stateDir, { recursive: true, force: true });
});

const listenOn = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
    listening.push(server);
  });

describe("the local cluster's ports", () => {
  it('are distinct, leave the frontend its port, and keep membership ports within a SMALLINT', async () => {
    const ports = await clusterPortsIn(stateDir, 7233);
    expect(ports.frontend.grpc).toBe(7233);
    const all = [
      ports.frontendHttp,
      ...(['frontend', 'history', 'matching', 'worker'] as const).flatMap((service) => [
        ports[service].grpc,
        ports[service].membership,
      ]),
    ];
    expect(new Set(all).size).toBe(all.length);
    for (const service of ['frontend', 'history', 'matching', 'worker'] as const) {
      expect(ports[service].membership).toBeLessThanOrEqual(32_767);
    }
  });

  it('are the same on the next start, unless one is taken or was stored out of range', async () => {
    const first = await clusterPortsIn(stateDir, 7233);
    expect(await clusterPortsIn(stateDir, 7233)).toEqual(first);

    await listenOn(first.history.grpc);
    const moved = await clusterPortsIn(stateDir, 7233);
    expect(moved.history.grpc).not.toBe(first.history.grpc);

    const stored = JSON.parse(await readFile(path.join(stateDir, 'ports.json'), 'utf8')) as {
      matching: { membership: number };
    };
    stored.matching.membership = 39_741; // what the system's free ports gave before: refused by PostgreSQL
    await writeFile(path.join(stateDir, 'ports.json'), JSON.stringify(stored));
    expect((await clusterPortsIn(stateDir, 7233)).matching.membership).toBeLessThanOrEqual(32_767);
  });
});
