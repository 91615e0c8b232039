/**
 * Loopback TCP ports: one nothing listens on right now, and whether a given one is free.
 *
 * A port is picked below the kernel's ephemeral range: a port from that range (what binding port 0 hands out)
 * can be taken by any outgoing connection (a pool's, a server's own) between the pick and the listen, which
 * may be seconds apart while a stack starts, and the listen then fails with EADDRINUSE.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's default range when /proc does not say (another system: the same rule, its usual range). */
const defaultEphemeralStart = 32768;
const lowestPort = 10_000;
const attempts = 50;

export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const port = lowestPort + Math.floor(Math.random() * (below - lowestPort));
    if (await isPortFree(port)) return port;
  }
  // Every draw was taken: a port the kernel picks (in its ephemeral range) is still better than none.
  return listenOn(0);
}

export async function isPortFree(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

function ephemeralRangeStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > lowestPort + 1_000 ? start : defaultEphemeralStart;
  } catch {
    return defaultEphemeralStart;
  }
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
