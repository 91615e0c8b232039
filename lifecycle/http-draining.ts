/**
 * Stopping an HTTP server (Fastify) without losing a request: the requests under way finish with their real
 * answer, the ones that arrive meanwhile get 503 with Retry-After, every answer closes its connection, and
 * then the listener closes. Past the deadline, what is still running is cut off, so that the process exits
 * before its supervisor kills it.
 *
 * Fastify's own close alone is not enough: it closes the connections idle at that moment, and one busy then
 * stays open after its answer for the whole keep-alive timeout (72 s), holding up the close. And closing an
 * idle kept-alive connection just as its client sends a request on it resets that request: so they are
 * given a moment first, in which a request on them is answered (503) and closes them.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';

interface DrainState {
  draining: boolean;
  inFlight: number;
  connections: Set<Socket>;
}

const states = new WeakMap<FastifyInstance, DrainState>();

export const drainingRetryAfterSeconds = 1;
/** How long idle kept-alive connections stay open once draining, unless they close sooner. */
const idleConnectionsLingerMs = 1_000;

/** RFC 9457, as the API's other errors. */
const shuttingDown = {
  type: 'about:blank',
  title: 'Service Unavailable',
  status: 503,
  detail: 'The service is shutting down; try again shortly',
};

/**
 * Counts the requests under way and the open connections and, once draining, refuses new requests.
 * Register it before the other hooks, so that a refused request costs nothing else (rate limits,
 * authentication).
 */
export function registerDraining(app: FastifyInstance): void {
  const state: DrainState = { draining: false, inFlight: 0, connections: new Set() };
  states.set(app, state);
  app.server.on('connection', (socket: Socket) => {
    state.connections.add(socket);
    socket.once('close', () => state.connections.delete(socket));
  });
  app.addHook('onRequest', async (request, reply) => {
    state.inFlight += 1;
    reply.raw.once('close', () => (state.inFlight -= 1));
    if (!state.draining) return;
    return reply
      .code(503)
      .header('retry-after', String(drainingRetryAfterSeconds))
      .type('application/problem+json')
      .send(shuttingDown);
  });
  app.addHook('onSend', async (_request, reply) => {
    if (state.draining) reply.header('connection', 'close');
  });
}

/**
 * Drains the app (see the module comment), then closes it. A request still under way after `deadlineMs`
 * has its connection closed, and is logged.
 */
export async function drainAndClose(
  app: FastifyInstance,
  deadlineMs: number,
  log: (line: string) => void = console.warn,
): Promise<void> {
  const state = states.get(app);
  if (!state) throw new Error('drainAndClose: registerDraining was not called on this app');
  state.draining = true;
  const lingerUntil = Date.now() + Math.min(idleConnectionsLingerMs, deadlineMs);
  let pastDeadline = false;
  const deadline = setTimeout(() => {
    pastDeadline = true;
    if (state.inFlight > 0) {
      log(`${state.inFlight} request(s) still under way after ${deadlineMs / 1000} s; closing their connections`);
    }
    app.server.closeAllConnections();
  }, deadlineMs);
  try {
    const drained = (): boolean => state.inFlight === 0 && (state.connections.size === 0 || Date.now() >= lingerUntil);
    while (!drained() && !pastDeadline) await sleep(20);
    const closed = app.close();
    if (pastDeadline) app.server.closeAllConnections();
    await closed;
  } finally {
    clearTimeout(deadline);
  }
}
