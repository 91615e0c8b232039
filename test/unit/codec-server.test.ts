import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionCodec } from '../../activities/crypto/payload-codec.js';
import { SymmetricKeyRing } from '../../activities/keys/symmetric-key-ring.js';
import { buildCodecServer } from '../../codec-server/app.js';
import { drainAndClose } from '../../lifecycle/http-draining.js';
import { closeAfterEach } from '../support/close-after-each.js';

const operatorToken = 'operator-token-for-tests';
const uiOrigin = 'http://127.0.0.1:8233';
let dir: string;
const closing = closeAfterEach();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-codec-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const asJson = (payloads: Payload[]): object => ({
  payloads: payloads.map((payload) =>
    proto.temporal.api.common.v1.Payload.toObject(proto.temporal.api.common.v1.Payload.fromObject(payload), {
      bytes: String,
    }),
  ),
});

async function keyRing(name: string): Promise<{ dir: string; keys: SymmetricKeyRing }> {
  const ringDir = path.join(dir, name);
  return { dir: ringDir, keys: await SymmetricKeyRing.open(ringDir, { generateIfMissing: true }) };
}

describe('the payload codec', () => {
  it('encrypts every payload with the key id in its metadata, and decodes it back', async () => {
    const { keys } = await keyRing('roundtrip');
    const codec = new EncryptionCodec(keys);
    const original = defaultPayloadConverter.toPayload({ cardRef: 'card-1', maskedPan: '520473******4792' });
    const [encrypted] = await codec.encode([original]);
    expect(Buffer.from(encrypted!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted!.metadata!['encryption-key-id']!).toString()).toBe(keys.current.kid);
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toContain('card-1');
    expect(defaultPayloadConverter.fromPayload((await codec.decode([encrypted!]))[0]!)).toEqual({
      cardRef: 'card-1',
      maskedPan: '520473******4792',
    });
  });

  it('still decodes old payloads after a rotation; new ones use the new key', async () => {
    const ring = await keyRing('rotation');
    const before = new EncryptionCodec(ring.keys);
    const [old] = await before.encode([defaultPayloadConverter.toPayload('before the rotation')]);
    const newKid = await SymmetricKeyRing.rotate(ring.dir);
    const after = new EncryptionCodec(await SymmetricKeyRing.open(ring.dir));
    expect(defaultPayloadConverter.fromPayload((await after.decode([old!]))[0]!)).toBe('before the rotation');
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload('after')]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe(newKid);
  });

  it('refuses a tampered ciphertext, and a payload whose key id was changed', async () => {
    const first = await keyRing('tamper-a');
    await SymmetricKeyRing.rotate(first.dir);
    const keys = await SymmetricKeyRing.open(first.dir);
    const codec = new EncryptionCodec(keys);
    const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload('secret')]);
    const tampered = {
      ...encrypted!,
      data: Buffer.from(encrypted!.data!).map((byte, index) => (index === 40 ? byte ^ 1 : byte)),
    };
    await expect(codec.decode([tampered])).rejects.toThrow(/does not decrypt: it was altered/);
    const ring = JSON.parse(
      await (await import('node:fs/promises')).readFile(path.join(first.dir, 'keyring.json'), 'utf8'),
    ) as {
      keys: { kid: string }[];
    };
    const otherKid = ring.keys[0]!.kid;
    const relabelled = {
      ...encrypted!,
      metadata: { ...encrypted!.metadata, 'encryption-key-id': Buffer.from(otherKid) },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not decrypt/);
    const unknown = { ...encrypted!, metadata: { ...encrypted!.metadata, 'encryption-key-id': Buffer.from('nope') } };
    await expect(codec.decode([unknown])).rejects.toThrow(/not in the key ring/);
  });
});

describe('the codec server', () => {
  async function server(): Promise<{ app: ReturnType<typeof buildCodecServer>; codec: EncryptionCodec }> {
    const { keys } = await keyRing('server');
    const codec = new EncryptionCodec(keys);
    return {
      app: closing(buildCodecServer({ codec, operatorTokens: [operatorToken], allowedOrigins: [uiOrigin] })),
      codec,
    };
  }

  it('decodes for an operator with the token, from the Web UI origin', async () => {
    const { app, codec } = await server();
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload({ status: 'COMPLETED' })]);
    const response = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { authorization: `Bearer ${operatorToken}`, origin: uiOrigin },
      payload: asJson(encrypted),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(uiOrigin);
    const [decoded] = response.json<{ payloads: object[] }>().payloads;
    expect(defaultPayloadConverter.fromPayload(proto.temporal.api.common.v1.Payload.fromObject(decoded!))).toEqual({
      status: 'COMPLETED',
    });
  });

  it('refuses a caller without the token (401) and any other origin (403)', async () => {
    const { app, codec } = await server();
    const payload = asJson(await codec.encode([defaultPayloadConverter.toPayload('x')]));
    const anonymous = await app.inject({ method: 'POST', url: '/decode', headers: { origin: uiOrigin }, payload });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.body).not.toContain('"x"');
    const wrongToken = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { authorization: 'Bearer guess' },
      payload,
    });
    expect(wrongToken.statusCode).toBe(401);
    const foreign = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { authorization: `Bearer ${operatorToken}`, origin: 'https://evil.example' },
      payload,
    });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/decode',
      headers: { origin: 'https://evil.example' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the Web UI send the token as a cookie set at /login', async () => {
    const { app, codec } = await server();
    const login = await app.inject({ method: 'POST', url: '/login', payload: { token: operatorToken } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(String(login.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const preflight = await app.inject({ method: 'OPTIONS', url: '/decode', headers: { origin: uiOrigin } });
    expect([preflight.statusCode, preflight.headers['access-control-allow-credentials']]).toEqual([204, 'true']);
    const response = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { cookie, origin: uiOrigin },
      payload: asJson(await codec.encode([defaultPayloadConverter.toPayload('y')])),
    });
    expect(response.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/login', payload: { token: 'guess' } })).statusCode).toBe(401);
    // From the operator's browser: the page's form posts the token URL-encoded.
    expect((await app.inject({ method: 'GET', url: '/login' })).body).toContain('<form method="post" action="/login">');
    // A browser says where a form post comes from: the codec server's own page is let in, another site not.
    const form = (origin: string) =>
      app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', host: '127.0.0.1:8234', origin },
        payload: `token=${encodeURIComponent(operatorToken)}`,
      });
    const fromForm = await form('http://127.0.0.1:8234');
    expect(fromForm.statusCode).toBe(200);
    expect((await form('https://127.0.0.1:8234')).statusCode).toBe(200); // behind a TLS-terminating proxy
    expect(String(fromForm.headers['set-cookie'])).toMatch(/^pushprov_operator=/);
    const elsewhere = await form('https://attacker.example');
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.headers['set-cookie']).toBeUndefined();
    // Its own origin counts for the login page only: decoding is for the Web UI's origins.
    const ownOriginDecode = await app.inject({
      method: 'POST',
      url: '/decode',
      headers: { cookie, host: '127.0.0.1:8234', origin: 'http://127.0.0.1:8234' },
      payload: asJson(await codec.encode([defaultPayloadConverter.toPayload('y')])),
    });
    expect(ownOriginDecode.statusCode).toBe(403);
  });
});

describe('the codec server, given what it cannot read', () => {
  const pan = '4111111111111111';
  const app = (): ReturnType<typeof buildCodecServer> =>
    closing(
      buildCodecServer({
        codec: { encode: (payloads) => Promise.resolve(payloads), decode: (payloads) => Promise.resolve(payloads) },
        operatorTokens: [operatorToken],
        allowedOrigins: [uiOrigin],
      }),
    );

  it('answers a URL its router cannot decode with a problem that quotes nothing', async () => {
    for (const url of [`/${pan}%`, `/x/%E0%A4${pan}`, `/decode%E0%A4?${pan}`]) {
      const response = await app().inject({ method: 'POST', url });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400 });
      expect(response.body).not.toMatch(/4111|%|FST_ERR/);
    }
  });

  it('takes an operator cookie that does not decode for no token (401), not a crash', async () => {
    for (const cookie of ['pushprov_operator=%E0%A4', 'pushprov_operator=%', `pushprov_operator=%${pan}`]) {
      const response = await app().inject({
        method: 'POST',
        url: '/decode',
        headers: { cookie, origin: uiOrigin },
        payload: { payloads: [] },
      });
      expect(response.statusCode).toBe(401);
      expect(response.body).not.toContain(pan);
    }
  });

  it('refuses payloads whose data or metadata is not base64 (400), quoting none of it', async () => {
    const bodies = [
      { payloads: [{ data: '!!!!' }] },
      { payloads: [{ data: `${pan}!` }] },
      { payloads: [{ metadata: { encoding: `${pan}%%` } }] },
    ];
    for (const payload of bodies) {
      const response = await app().inject({
        method: 'POST',
        url: '/decode',
        headers: { authorization: `Bearer ${operatorToken}` },
        payload,
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ status: 400, title: 'Invalid request' });
      expect(response.body).not.toMatch(/4111|!!!!/);
    }
  });

  it('answers 503 at shutdown before it looks at the origin', async () => {
    const server = app();
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    // A kept-alive connection holds the drain open for a moment, as a browser's would.
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const drained = drainAndClose(server, 5_000, () => undefined);
    const foreign = await fetch(`${url}/decode`, { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(foreign.status).toBe(503);
    expect(foreign.headers.get('retry-after')).toBe('1');
    await drained;
  });
});
