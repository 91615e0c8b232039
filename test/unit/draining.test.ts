// The API stopping without losing a request, over real connections (keep-alive, as browsers and fetch
// use them): what is under way when the drain begins gets its real answer, what arrives meanwhile gets
// 503 with Retry-After, and then the listener closes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { drainAndClose } from '../../lifecycle/http-draining.js';

let app: FastifyInstance | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** The API with one more route, whose answers wait until the test releases them. */
async function apiWithHeldRoute(): Promise<{
  url: string;
  held: (count: number) => Promise<void>;
  releaseAll: () => void;
}> {
  const waiting: (() => void)[] = [];
  app = await buildApp({ readinessChecks: {} });
  app.get('/held', async () => {
    await new Promise<void>((release) => waiting.push(release));
    return { answer: 'the real one' };
  });
  return {
    url: await app.listen({ host: '127.0.0.1', port: 0 }),
    held: (count) => vi.waitFor(() => expect(waiting).toHaveLength(count)),
    releaseAll: () => waiting.splice(0).forEach((release) => release()),
  };
}

const refusedConnection = (url: string): Promise<unknown> =>
  fetch(url).catch((error: { cause?: { code?: string } }) => error.cause?.code);

describe('draining the API at shutdown', () => {
  it('answers the requests under way, refuses new ones with 503 and Retry-After, then closes', async () => {
    const { url, held, releaseAll } = await apiWithHeldRoute();
    // A connection that has served a request and is kept alive, idle; two others busy.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const underWay = [fetch(`${url}/held`), fetch(`${url}/held`)];
    await held(2);

    const log = vi.fn();
    const drained = drainAndClose(app!, 60_000, log);

    const refused = await fetch(`${url}/healthz`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.headers.get('connection')).toBe('close');
    expect(await refused.json()).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'The service is shutting down; try again shortly',
    });

    releaseAll();
    for (const answer of underWay) {
      const response = await answer;
      expect(response.status).toBe(200);
      // Its connection closes after the answer: kept alive, it would hold the close for 72 s.
      expect(response.headers.get('connection')).toBe('close');
      expect(await response.json()).toEqual({ answer: 'the real one' });
    }
    await drained;
    expect(log).not.toHaveBeenCalled();

    // Once nothing is under way, the listener is closed.
    expect(await refusedConnection(`${url}/healthz`)).toBe('ECONNREFUSED');
  });

  it('cuts off what is still running at the deadline, and says so', async () => {
    const { url, held, releaseAll } = await apiWithHeldRoute();
    const stuck = fetch(`${url}/held`).then(
      (response) => response.status,
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    await held(1);
    const log = vi.fn();
    await drainAndClose(app!, 50, log);
    expect(log).toHaveBeenCalledWith('1 request(s) still under way after 0.05 s; closing their connections');
    expect(await stuck).toBe('UND_ERR_SOCKET'); // the connection closed without an answer
    releaseAll();
    expect(await refusedConnection(`${url}/healthz`)).toBe('ECONNREFUSED');
  });
});
