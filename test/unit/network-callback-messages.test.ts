// The networks' calls to the issuer, validly signed and fresh but carrying any message: every answer is a
// 200 (the message is valid) or a 4xx in the network's own envelope, never a 5xx. And the calls refused
// before their message is read (unknown operations, media types, bodies, signatures) are answered in the
// same envelope, name nothing the caller sent, and count under closed metric labels.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MdesAuthorizeServiceResponse,
  MdesErrorResponse,
  MdesGatewayErrorResponse,
  MdesNotifyTokenUpdatedResponse,
} from '../../activities/networks/mdes/schemas.js';
import {
  VisaErrorResponse,
  VtsAuthorizeServiceResponse,
  VtsNotifyTokenUpdatedResponse,
} from '../../activities/networks/vts/schemas.js';
import { buildApp, type AppDependencies } from '../../api/app.js';
import {
  callbackWorld,
  injectedOrigin,
  mdesAuthorization,
  mdesNotification,
  mdesPath,
  mdesSigned,
  vtsAuthorization,
  vtsNotification,
  vtsPath,
  vtsReceipt,
  vtsSigned,
  vtsTokenNotification,
  type CallbackWorld,
} from '../support/network-callbacks.js';
import { closeAfterEach } from '../support/close-after-each.js';
import { logLines } from '../support/log-lines.js';
import { decisionDefaults } from '../support/decision-defaults.js';

type Network = 'mdes' | 'vts';
type Operation = 'authorizeService' | 'notifyTokenUpdated';
type Injected = Awaited<ReturnType<CallbackWorld['app']['inject']>>;

const card = '4111111111111111';
let world: CallbackWorld;

beforeAll(async () => {
  world = await callbackWorld();
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const closing = closeAfterEach();

/** The API with the networks' callback routes and nothing behind them, closed after the test. */
async function callbackApp(
  deps: Partial<AppDependencies> = {},
  options: FastifyServerOptions = { logger: false },
): Promise<FastifyInstance> {
  const callbacks = {
    credentials: world.credentials,
    pool: {} as never,
    temporal: {} as never,
    fingerprintKeys: [],
    ...decisionDefaults,
  };
  return closing(await buildApp({ readinessChecks: {}, callbacks, ...deps }, options));
}

/** How each network calls the issuer, and how it refuses: one entry per network. */
const wire: Record<
  Network,
  {
    contentType: string;
    /** A call as the network makes it: MDES signs the JSON text (OAuth 1.0a), Visa encrypts then signs it. */
    call(operation: Operation, message: unknown): Promise<Injected>;
    /** Whether a body is the network's refusal envelope (MDES's gateway or errors[], Visa's errorResponse). */
    expectRefusalEnvelope(body: unknown, status: number): void;
  }
> = {
  mdes: {
    contentType: 'application/json',
    call(operation, message) {
      const url = `${mdesPath}/${operation}`;
      const body = JSON.stringify(message);
      return world.app.inject({
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json',
          authorization: mdesSigned(world.keys, injectedOrigin + url, body),
        },
        payload: body,
      });
    },
    expectRefusalEnvelope(body) {
      expect(MdesGatewayErrorResponse.safeParse(body).success || MdesErrorResponse.safeParse(body).success).toBe(true);
    },
  },
  vts: {
    contentType: 'application/jose',
    async call(operation, message) {
      return world.app.inject({
        method: 'POST',
        url: `${vtsPath}/${operation}`,
        headers: { 'content-type': 'application/jose' },
        payload: await vtsNotification(world.keys, message),
      });
    },
    expectRefusalEnvelope(body, status) {
      expect(VisaErrorResponse.parse(body).errorResponse.status).toBe(status);
    },
  },
};

function call(network: Network, operation: Operation, message: unknown): Promise<Injected> {
  return wire[network].call(operation, message);
}

/** A 4xx in the network's envelope: MDES's gateway or errors[] envelope, Visa's errorResponse. */
function expectNetworkRefusal(network: Network, response: Injected, status?: number): void {
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
  expect(response.statusCode).toBeLessThan(500);
  if (status !== undefined) expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  wire[network].expectRefusalEnvelope(response.json<unknown>(), response.statusCode);
}

const responses = {
  mdes: { authorizeService: MdesAuthorizeServiceResponse, notifyTokenUpdated: MdesNotifyTokenUpdatedResponse },
  vts: { authorizeService: VtsAuthorizeServiceResponse, notifyTokenUpdated: VtsNotifyTokenUpdatedResponse },
};

const validMessages: Record<Network, Record<Operation, () => Record<string, unknown>>> = {
  mdes: {
    authorizeService: () => mdesAuthorization('sweep-authorize') as Record<string, unknown>,
    notifyTokenUpdated: () => mdesNotification('sweep-notify') as Record<string, unknown>,
  },
  vts: {
    authorizeService: () => vtsAuthorization('sweep-authorize') as Record<string, unknown>,
    notifyTokenUpdated: () => vtsTokenNotification() as Record<string, unknown>,
  },
};

/** Every path into a message (its fields, its arrays' items, their fields), for the sweep to break. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const here = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [here, ...pathsOf(item, here)];
  });
}

/** The message with the value at `path` replaced (or the field removed, for `undefined`). */
function withValueAt(message: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(message) as Record<string | number, unknown>;
  let parent = copy;
  for (const step of path.slice(0, -1)) {
    const next = parent[step];
    if (next === null || typeof next !== 'object') return copy;
    parent = next as Record<string | number, unknown>;
  }
  const last = path.at(-1)!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return copy;
}

/** Values a buggy or hostile network could put anywhere: wrong types, nulls, huge arrays, odd strings. */
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, 0, -1, 5, 1e308, true, '', {}, [], [null], [{}], card, '\u0000', 'ACTIVE', 'x'.repeat(5_000)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 100, maxLength: 2_000 }),
  fc.constant(Array.from({ length: 5_000 }, (_, index) => index)),
);

describe('a validly signed call with any message is answered 200 or 4xx in the network envelope, never 5xx', () => {
  const cases = (['mdes', 'vts'] as const).flatMap((network) =>
    (['authorizeService', 'notifyTokenUpdated'] as const).map((operation) => [network, operation] as const),
  );

  it.each(cases)(
    '%s %s',
    async (network, operation) => {
      const valid = validMessages[network][operation]();
      const paths = pathsOf(valid);
      const message = fc.oneof(
        // Any JSON at all in place of the message (VTS: as the plaintext of its JWE).
        { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 1 },
        // The valid message with one to four of its fields broken, at any depth.
        {
          arbitrary: fc
            .array(fc.tuple(fc.constantFrom(...paths), fc.option(anyValue, { nil: undefined })), {
              minLength: 1,
              maxLength: 4,
            })
            .map((changes) =>
              changes.reduce<unknown>((changed, [path, value]) => withValueAt(changed, path, value), valid),
            ),
          weight: 4,
        },
      );
      const outcomes = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(message, async (sent) => {
          const response = await call(network, operation, sent);
          outcomes.set(response.statusCode, (outcomes.get(response.statusCode) ?? 0) + 1);
          if (response.statusCode === 200) {
            expect(responses[network][operation].safeParse(response.json()).success).toBe(true);
          } else {
            expectNetworkRefusal(network, response);
          }
          expect(response.body).not.toContain(card);
        }),
        { numRuns: 150, examples: [[valid]] },
      );
      // The sweep reached both sides: messages answered and messages refused.
      expect(outcomes.get(200)).toBeGreaterThan(0);
      expect(outcomes.get(400)).toBeGreaterThan(0);
      expect([...outcomes.keys()].every((status) => status < 500)).toBe(true);
    },
    120_000,
  );

  it.each([
    ['mdes', 'notifyTokenUpdated', { ...mdesNotification('tokens-object'), tokens: {} }],
    ['mdes', 'notifyTokenUpdated', { ...mdesNotification('tokens-null'), tokens: [null] }],
    ['mdes', 'notifyTokenUpdated', { ...mdesNotification('tokens-five'), tokens: 5 }],
    ['mdes', 'authorizeService', null],
    ['vts', 'notifyTokenUpdated', null],
    ['vts', 'authorizeService', null],
    ['vts', 'authorizeService', [1, 2, 3]],
    // A notification's eventType names its operation: the JWS does not cover the URL it is posted to.
    ['vts', 'authorizeService', vtsTokenNotification()],
    ['vts', 'notifyTokenUpdated', { ...vtsTokenNotification(), tokenStatus: 'LOST' }],
    [
      'mdes',
      'notifyTokenUpdated',
      { ...mdesNotification('far-past'), tokens: [{ statusTimestamp: '0000-01-01T00:00:00Z' }] },
    ],
  ] as const)('%s %s with %j is refused with a 400 in its envelope', async (network, operation, message) => {
    const delivered = world.effects.signals.length;
    expectNetworkRefusal(network, await call(network, operation, message), 400);
    expect(world.effects.signals).toHaveLength(delivered);
  });

  it('delivers what a valid notification says, and decides on a valid authorisation', async () => {
    const delivered = world.effects.signals.length;
    const notified = await call('vts', 'notifyTokenUpdated', vtsTokenNotification());
    expect([notified.statusCode, notified.json()]).toEqual([200, {}]);
    expect(world.effects.signals.slice(delivered)).toEqual([
      {
        network: 'VISA',
        receipt: vtsReceipt,
        tokenUniqueReference: '4a9c0e2f5b7d41e3a6c8b0d2f4e6a8c0',
        status: 'ACTIVE',
        statusTimestamp: expect.stringMatching(/Z$/) as unknown,
      },
    ]);
    const decided = await call('mdes', 'authorizeService', mdesAuthorization('decide-1'));
    expect([decided.statusCode, decided.json()]).toEqual([
      200,
      { responseId: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown, decision: 'APPROVED' },
    ]);
  });
});

describe('calls refused before their message is read', () => {
  it('answers an unknown operation with a 404 in the network envelope', async () => {
    for (const [network, url] of [
      ['mdes', `${mdesPath}/deliverActivationCode`],
      ['mdes', `${mdesPath}/authorizeService/extra`],
      ['vts', `${vtsPath}/${card}`],
      ['vts', `${vtsPath}/notifyTokenUpdated/extra`],
    ] as const) {
      const response = await world.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': wire[network].contentType },
        payload: '{}',
      });
      expectNetworkRefusal(network, response, 404);
      expect(response.body).not.toContain(card);
    }
    const get = await world.app.inject({ method: 'GET', url: `${vtsPath}/notifyTokenUpdated` });
    expectNetworkRefusal('vts', get, 404);
  });

  it('answers another media type, a body that is not UTF-8 text, or is not JSON or a JWS, with a 4xx in the envelope', async () => {
    const mdesUrl = `${mdesPath}/notifyTokenUpdated`;
    const vtsUrl = `${vtsPath}/notifyTokenUpdated`;
    const jws = await vtsNotification(world.keys, vtsTokenNotification());
    const notJson = 'requestId=1&tokens=2';
    const cases: [Network, string, Record<string, string>, string | Buffer, number][] = [
      ['mdes', mdesUrl, { 'content-type': 'text/plain' }, '{}', 415],
      ['mdes', mdesUrl, { 'content-type': 'application/jose' }, '{}', 415],
      ['mdes', mdesUrl, { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415],
      ['mdes', mdesUrl, {}, '{}', 415],
      ['mdes', mdesUrl, { 'content-type': 'application/json; charset=latin1' }, '{}', 400],
      ['mdes', mdesUrl, { 'content-type': 'application/json' }, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 400],
      [
        'mdes',
        mdesUrl,
        {
          'content-type': 'application/json',
          authorization: mdesSigned(world.keys, injectedOrigin + mdesUrl, notJson),
        },
        notJson,
        400,
      ],
      ['mdes', mdesUrl, { 'content-type': 'application/json' }, 'x'.repeat(70 * 1024), 413],
      ['vts', vtsUrl, { 'content-type': 'application/json' }, jws, 415],
      ['vts', vtsUrl, { 'content-type': 'text/plain' }, jws, 415],
      ['vts', vtsUrl, {}, jws, 415],
      ['vts', vtsUrl, { 'content-type': 'application/jose' }, '{"not":"a jws"}', 401],
      ['vts', vtsUrl, { 'content-type': 'application/jose' }, await vtsSigned(world.keys, 'not a JWE'), 401],
      ['vts', vtsUrl, { 'content-type': 'application/jose' }, '', 401],
    ];
    for (const [network, url, headers, payload, status] of cases) {
      const response = await world.app.inject({ method: 'POST', url, headers, payload });
      expect([network, headers, response.statusCode]).toEqual([network, headers, status]);
      expectNetworkRefusal(network, response, status);
    }
    const mdesNotJson = await world.app.inject({
      method: 'POST',
      url: mdesUrl,
      headers: {
        'content-type': 'application/json',
        authorization: mdesSigned(world.keys, injectedOrigin + mdesUrl, 'nope'),
      },
      payload: 'nope',
    });
    expect(MdesErrorResponse.parse(mdesNotJson.json()).errors[0]).toMatchObject({
      source: 'INPUT',
      description: '(body): is not JSON',
    });
  });

  it('answers unsigned, forged or garbled calls with a 401 in the envelope that echoes nothing of them', async () => {
    const url = `${mdesPath}/authorizeService`;
    const body = JSON.stringify(mdesAuthorization('unsigned'));
    const valid = mdesSigned(world.keys, injectedOrigin + url, body);
    const headers = [
      undefined,
      'Bearer abc',
      `OAuth oauth_thing=${card}`,
      `OAuth ${card}="1"`,
      `OAuth ${card}="1",${card}="2"`,
      valid.replace(/oauth_consumer_key="[^"]*"/, `oauth_consumer_key="${card}"`),
      valid.replace(/oauth_nonce="[^"]*"/, 'oauth_nonce="%E0%A4%A"'),
      valid.replace(/oauth_signature_method="[^"]*"/, `oauth_signature_method="${card}"`),
      valid.replace(/oauth_timestamp="[^"]*"/, `oauth_timestamp="${card}"`),
      valid.replace(/oauth_signature="[^"]*"/, 'oauth_signature="%ZZ"'),
    ];
    for (const authorization of headers) {
      const response = await world.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        payload: body,
      });
      expect([authorization, response.statusCode]).toEqual([authorization, 401]);
      expectNetworkRefusal('mdes', response, 401);
      expect(MdesGatewayErrorResponse.parse(response.json()).Errors.Error[0]).toMatchObject({
        Source: 'Gateway',
        ReasonCode: 'AUTHENTICATION_FAILED',
      });
      expect(response.body).not.toContain(card);
    }
    for (const header of [{ kid: card }, { alg: card }, { alg: 'HS256' }, { cty: card }, { kid: undefined }]) {
      const response = await world.app.inject({
        method: 'POST',
        url: `${vtsPath}/notifyTokenUpdated`,
        headers: { 'content-type': 'application/jose' },
        payload: await forgedVtsNotification(header),
      });
      expectNetworkRefusal('vts', response, 401);
      expect(response.body).not.toContain(card);
    }
  });

  it('answers an address that keeps failing verification with a 429 in the envelope, before verifying', async () => {
    const app = await callbackApp({ failedAuthenticationsPerMinute: 2 });
    const send = (url: string, type = 'application/jose') =>
      app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': type },
        payload: type === 'application/jose' ? 'x' : '{}',
      });
    expect((await send(`${vtsPath}/notifyTokenUpdated`)).statusCode).toBe(401);
    expect((await send(`${mdesPath}/authorizeService`, 'application/json')).statusCode).toBe(401);
    for (const [network, url, type] of [
      ['vts', `${vtsPath}/authorizeService`, 'application/jose'],
      ['mdes', `${mdesPath}/notifyTokenUpdated`, 'application/json'],
    ] as const) {
      const limited = await send(url, type);
      expectNetworkRefusal(network, limited, 429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    }
    // Another address is not affected.
    const elsewhere = await app.inject({
      method: 'POST',
      url: `${vtsPath}/notifyTokenUpdated`,
      headers: { 'content-type': 'application/jose' },
      payload: 'x',
      remoteAddress: '10.0.0.9',
    });
    expect(elsewhere.statusCode).toBe(401);
  });

  it('counts calls refused before verification (media type, body, size) against the address too', async () => {
    const app = await callbackApp({ failedAuthenticationsPerMinute: 3 });
    const statuses: number[] = [];
    for (const headers of [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/jose; charset=latin1' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/jose; charset=latin1' },
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: `${vtsPath}/notifyTokenUpdated`,
        headers,
        payload: 'x',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([415, 400, 415, 429]);
  });

  it('limits unknown operations per address, answered in the envelope', async () => {
    const app = await callbackApp({ rateLimitPerMinute: 1 });
    const send = () =>
      app.inject({
        method: 'POST',
        url: `${mdesPath}/nothingHere`,
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      });
    expect((await send()).statusCode).toBe(404);
    const limited = await send();
    expectNetworkRefusal('mdes', limited, 429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('are documented in OpenAPI with their answers and their envelopes (a refusal or a failure alike)', async () => {
    const openapi = (await world.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { post?: { responses: Record<string, unknown> } }>;
    }>();
    for (const path of [
      `${mdesPath}/authorizeService`,
      `${mdesPath}/notifyTokenUpdated`,
      `${vtsPath}/authorizeService`,
      `${vtsPath}/notifyTokenUpdated`,
    ]) {
      expect(Object.keys(openapi.paths[path]?.post?.responses ?? {}).sort()).toEqual(['200', '4XX', '5XX']);
    }
  });

  it('logs refusals without anything the caller sent, and counts them under closed labels', async () => {
    const log = logLines();
    const app = await callbackApp({}, { logger: { level: 'trace', stream: log.stream } });
    await app.inject({
      method: 'POST',
      url: `${mdesPath}/authorizeService`,
      headers: { 'content-type': 'application/json', authorization: `OAuth ${card}="${card}"` },
      payload: '{}',
    });
    await app.inject({
      method: 'POST',
      url: `${vtsPath}/notifyTokenUpdated`,
      headers: { 'content-type': 'application/jose' },
      payload: await forgedVtsNotification({ kid: card }),
    });
    expect(log.text()).toContain('network callback refused');
    expect(log.text()).not.toContain(card);
    // A path's text never becomes a label (how the request line itself is logged is api/logging.ts's to say).
    await app.inject({ method: 'POST', url: `${vtsPath}/op${card}`, payload: '' });
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((line) => line.startsWith('pushprov_network_callbacks_total{'));
    expect(metrics.sort()).toEqual([
      'pushprov_network_callbacks_total{network="MASTERCARD",operation="authorizeService",outcome="refused_401"} 1',
      'pushprov_network_callbacks_total{network="VISA",operation="notifyTokenUpdated",outcome="refused_401"} 1',
      'pushprov_network_callbacks_total{network="VISA",operation="other",outcome="refused_404"} 1',
    ]);
  });
});

/** A notification whose header says what the test wants, signed by a key Visa does not publish or by Visa's. */
async function forgedVtsNotification(header: Record<string, unknown>): Promise<string> {
  const jws = await vtsNotification(world.keys, vtsTokenNotification());
  const [protectedHeader, payload, signature] = jws.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(protectedHeader, 'base64url').toString()) as Record<string, unknown>;
  const changed = Buffer.from(JSON.stringify({ ...decoded, ...header })).toString('base64url');
  return `${changed}.${payload}.${signature}`;
}
