// Replay protection keyed on meaning, not on bytes: every signed input the engine takes (Visa's and MDES's
// calls, authentication proofs, session assertions) is accepted once, and then refused under every other
// spelling of the same message (whitespace, padding, unused bits, another base64 alphabet, percent-encoding
// variants) and when signed again with the same id. Non-canonical spellings are refused as malformed
// outright; nothing is delivered twice.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createEnrollmentActivities,
  sessionAssertionAudience,
} from '../../activities/enrollment/create-enrollment-activities.js';
import {
  signAuthenticationProof,
  verifyAuthenticationProof,
  type ProofVerification,
} from '../../activities/crypto/authentication-proof.js';
import { signCompactJws } from '../../activities/crypto/jws.js';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import type { IssuerKeyStore } from '../../activities/keys/key-store.js';
import { singleUseClaimer } from '../../db/replay-guard.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { IssuerProofVerifier } from '../../sandbox/network/issuer-proofs.js';
import {
  callbackWorld,
  inMemoryPool,
  injectedOrigin,
  mdesNotification,
  mdesPath,
  mdesSigned,
  mdesSignedWithNonce,
  vtsNotification,
  vtsPath,
  vtsSigned,
  vtsTokenNotification,
  type CallbackWorld,
  type Effects,
} from '../support/network-callbacks.js';
import { rejectionOf } from '../support/rejection.js';

const base64urlAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** The same characters' last one changed in its unused low bits only: it decodes to the same bytes. */
function unusedBitsFlipped(encoded: string, alphabet: string): string {
  const last = encoded.at(-1)!;
  return encoded.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1]!;
}

/** Every other spelling of a compact JWS or JWE that lenient decoders read as the same message. */
function compactVariants(compact: string): [string, string][] {
  const segments = compact.split('.');
  const variants: [string, string][] = [
    ['a trailing newline', `${compact}\n`],
    ['a trailing space', `${compact} `],
    ['a trailing CRLF', `${compact}\r\n`],
    ['a leading space', ` ${compact}`],
    ['a leading newline', `\n${compact}`],
    [
      'every segment in standard base64',
      segments.map((segment) => Buffer.from(segment, 'base64url').toString('base64')).join('.'),
    ],
  ];
  segments.forEach((segment, index) => {
    const name = `segment ${index + 1}`;
    const replaced = (replacement: string): string =>
      segments.map((other, position) => (position === index ? replacement : other)).join('.');
    const middle = Math.floor(segment.length / 2);
    variants.push(
      [`${name} padded`, replaced(segment + '='.repeat((4 - (segment.length % 4)) % 4))],
      [`${name} with an extra "="`, replaced(`${segment}=`)],
      [`a newline inside ${name}`, replaced(`${segment.slice(0, middle)}\n${segment.slice(middle)}`)],
      [`a space inside ${name}`, replaced(`${segment.slice(0, middle)} ${segment.slice(middle)}`)],
      [`a CRLF inside ${name}`, replaced(`${segment.slice(0, middle)}\r\n${segment.slice(middle)}`)],
      [`${name} in standard base64`, replaced(Buffer.from(segment, 'base64url').toString('base64'))],
    );
    // A last character carries unused bits when the segment's length is 2 or 3 modulo 4.
    if (segment.length % 4 >= 2) {
      variants.push([`${name}'s unused low bits flipped`, replaced(unusedBitsFlipped(segment, base64urlAlphabet))]);
    }
  });
  return variants.filter(([, variant]) => variant !== compact);
}

/** The same header and payload, signed again: another signature over the same message. */
async function resigned(compact: string, key: Parameters<CompactSign['sign']>[0]): Promise<string> {
  const [header, payload] = compact.split('.') as [string, string];
  const again = await new CompactSign(Buffer.from(payload, 'base64url'))
    .setProtectedHeader(JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string })
    .sign(key);
  expect(again.split('.').slice(0, 2)).toEqual([header, payload]);
  expect(again).not.toBe(compact);
  return again;
}

describe('callbacks from the networks', () => {
  let world: CallbackWorld;
  let effects: Effects;

  beforeAll(async () => {
    world = await callbackWorld();
    effects = world.effects;
  }, 60_000);

  afterAll(async () => {
    await world?.close();
  });

  describe("Visa's notifications", () => {
    const url = `${vtsPath}/notifyTokenUpdated`;
    const post = (payload: string) =>
      world.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/jose' }, payload });
    const refusal = (body: string): string =>
      (JSON.parse(body) as { errorResponse: { message: string } }).errorResponse.message;

    it('are accepted once, and every other spelling of the same notification is refused as malformed', async () => {
      const jws = await vtsNotification(world.keys, vtsTokenNotification());
      const delivered = effects.signals.length;
      expect((await post(jws)).statusCode).toBe(200);
      expect(effects.signals).toHaveLength(delivered + 1);

      const variants = compactVariants(jws);
      expect(variants.length).toBeGreaterThan(20);
      for (const [name, variant] of variants) {
        const response = await post(variant);
        expect([name, response.statusCode]).toEqual([name, 401]);
        expect([name, refusal(response.body)]).toEqual([name, expect.stringMatching(/^MALFORMED: /) as unknown]);
      }
      expect(effects.signals).toHaveLength(delivered + 1);
    });

    it('refuse a notification signed again by Visa (same header and payload, another signature) as a replay', async () => {
      const jws = await vtsNotification(world.keys, vtsTokenNotification());
      const delivered = effects.signals.length;
      expect((await post(jws)).statusCode).toBe(200);
      const again = await post(await resigned(jws, world.keys.vts.signing.privateKey));
      expect(again.statusCode).toBe(401);
      expect(refusal(again.body)).toBe('REPLAYED: This notification was already received');
      expect(effects.signals).toHaveLength(delivered + 1);
    });

    it('refuse an encrypted payload spelled otherwise than canonically, even when Visa signed it', async () => {
      const jws = await vtsNotification(world.keys, vtsTokenNotification());
      const inner = Buffer.from(jws.split('.')[1]!, 'base64url').toString();
      const response = await post(await vtsSigned(world.keys, `${inner}\n`));
      expect(response.statusCode).toBe(401);
      expect(refusal(response.body)).toMatch(/^MALFORMED: The notification's payload is not a compact JWE/);
    });
  });

  describe("MDES's calls", () => {
    const url = `${mdesPath}/notifyTokenUpdated`;
    const signedUrl = injectedOrigin + url;
    const post = (payload: string, authorization: string) =>
      world.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', authorization },
        payload,
      });
    const refusal = (body: string): string =>
      (JSON.parse(body) as { Errors: { Error: { Details: string }[] } }).Errors.Error[0]!.Details;
    const withParameter = (header: string, name: string, change: (value: string) => string): string =>
      header.replace(new RegExp(`${name}="([^"]*)"`), (_match, value: string) => `${name}="${change(value)}"`);

    it('are accepted once; every other spelling of the call is refused, and nothing is delivered twice', async () => {
      const body = JSON.stringify(mdesNotification('mdes-variants'));
      const authorization = mdesSigned(world.keys, signedUrl, body);
      const delivered = effects.signals.length;
      expect((await post(body, authorization)).statusCode).toBe(200);

      const signature = /oauth_signature="([^"]*)"/.exec(authorization)![1]!;
      const raw = decodeURIComponent(signature);
      expect(raw).toMatch(/==$/);
      const encode = (text: string): string => encodeURIComponent(text);
      const malformed: [string, string][] = [
        ['the signature with its padding dropped', encode(raw.replace(/=+$/, ''))],
        ['the signature with an extra "="', encode(`${raw}=`)],
        ['the signature with a newline inside', encode(`${raw.slice(0, 100)}\n${raw.slice(100)}`)],
        ['the signature with a space inside', encode(`${raw.slice(0, 100)} ${raw.slice(100)}`)],
        ['the signature with a trailing CRLF', encode(`${raw}\r\n`)],
        [
          "the signature's unused low bits flipped",
          encode(`${unusedBitsFlipped(raw.replace(/=+$/, ''), base64Alphabet)}==`),
        ],
        ['the signature in the URL-safe alphabet', encode(Buffer.from(raw, 'base64').toString('base64url'))],
        ['the signature percent-encoded in lower case', signature.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())],
        [
          'the signature with a letter percent-encoded',
          `%${raw.charCodeAt(0).toString(16).toUpperCase()}${encode(raw.slice(1))}`,
        ],
      ];
      for (const [name, variant] of malformed) {
        const response = await post(
          body,
          withParameter(authorization, 'oauth_signature', () => variant),
        );
        expect([name, response.statusCode]).toEqual([name, 401]);
        expect([name, refusal(response.body)]).toEqual([name, expect.stringMatching(/^MALFORMED: /) as unknown]);
      }

      const otherwise: [string, string, RegExp][] = [
        [
          'the nonce with a letter percent-encoded',
          withParameter(
            authorization,
            'oauth_nonce',
            (nonce) => `%${nonce.charCodeAt(0).toString(16).toUpperCase()}${nonce.slice(1)}`,
          ),
          /^MALFORMED: /,
        ],
        [
          'the body hash percent-encoded in lower case',
          withParameter(authorization, 'oauth_body_hash', (hash) =>
            encode(hash).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
          ),
          /^MALFORMED: /,
        ],
        [
          'the timestamp with a leading zero',
          withParameter(authorization, 'oauth_timestamp', (ts) => `0${ts}`),
          /^MALFORMED: /,
        ],
        // A canonical spelling that decodes to the same value: the base string covers it as sent.
        [
          'the consumer key with a letter percent-encoded',
          withParameter(
            authorization,
            'oauth_consumer_key',
            (key) => `%${key.charCodeAt(0).toString(16).toUpperCase()}${key.slice(1)}`,
          ),
          /^MALFORMED: /,
        ],
        [
          'the body hash percent-encoded',
          withParameter(authorization, 'oauth_body_hash', encode),
          /^SIGNATURE_INVALID: /,
        ],
        // The same parameters, spelled the same, laid out otherwise: the same call.
        [
          'the signature not percent-encoded',
          withParameter(authorization, 'oauth_signature', () => raw),
          /^REPLAYED: /,
        ],
        ['spaces between the parameters', authorization.replaceAll('",', '", '), /^REPLAYED: /],
      ];
      for (const [name, header, expected] of otherwise) {
        const response = await post(body, header);
        expect([name, response.statusCode]).toEqual([name, 401]);
        expect([name, refusal(response.body)]).toEqual([name, expect.stringMatching(expected) as unknown]);
      }

      for (const [name, changed] of [
        ['a trailing newline', `${body}\n`],
        ['a trailing space', `${body} `],
        ['a trailing CRLF', `${body}\r\n`],
        ['a leading space', ` ${body}`],
      ]) {
        const response = await post(changed!, authorization);
        expect([name, response.statusCode]).toEqual([name, 401]);
        expect([name, refusal(response.body)]).toEqual([
          name,
          expect.stringMatching(/^BODY_HASH_MISMATCH: /) as unknown,
        ]);
      }
      expect(effects.signals).toHaveLength(delivered + 1);
    });

    it('refuse a call signed again with the same nonce, in either canonical spelling, as a replay', async () => {
      const body = JSON.stringify(mdesNotification('mdes-same-nonce'));
      const delivered = effects.signals.length;
      const first = await post(body, mdesSignedWithNonce(world.keys, signedUrl, body, 'n0nce!Ab'));
      expect(first.statusCode).toBe(200);
      for (const nonce of ['n0nce!Ab', 'n0nce%21Ab']) {
        const again = await post(body, mdesSignedWithNonce(world.keys, signedUrl, body, nonce));
        expect([nonce, again.statusCode]).toEqual([nonce, 401]);
        expect(refusal(again.body)).toBe('REPLAYED: The nonce was already used');
      }
      // Signed, but spelled in a way no signer writes: refused before its nonce is looked at.
      const odd = await post(body, mdesSignedWithNonce(world.keys, signedUrl, body, '%6E0nce!Ab'));
      expect(refusal(odd.body)).toMatch(/^MALFORMED: oauth_nonce is percent-encoded in a non-canonical way/);
      expect(effects.signals).toHaveLength(delivered + 1);
    });
  });
});

describe('authentication proofs and session assertions', () => {
  let dir: string;
  let keys: IssuerSigningKeys;
  const issuer = 'pushprov-issuer-0001';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pushprov-proof-variants-'));
    keys = await IssuerSigningKeys.open(dir, { generateIfMissing: true });
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const inMemoryJtis = (): ProofVerification['claimJti'] => {
    const seen = new Set<string>();
    return (jti) => Promise.resolve(!seen.has(jti) && Boolean(seen.add(jti)));
  };

  async function codeOf(attempt: Promise<unknown>): Promise<string> {
    return (await rejectionOf(attempt, CryptoFailure)).code;
  }

  /** The same claims and jti, signed again by the issuer's key. */
  async function sameJtiSignedAgain(token: string): Promise<string> {
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    const again = await signCompactJws(
      { alg: keys.current.alg, kid: keys.current.kid, typ: 'JWT' },
      claims,
      keys.current.signer,
    );
    expect(again).not.toBe(token);
    return again;
  }

  /** An ECDSA signature (r, s) turned into (r, n - s): valid too, made without the key. */
  function malleated(token: string): string {
    const order = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const flipped = Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex');
    return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), flipped]).toString('base64url')}`;
  }

  it('a proof is verified once; its other spellings are malformed, and its jti signed again or malleated is a replay', async () => {
    const verification: ProofVerification = {
      jwks: keys.jwks(),
      issuer,
      audience: 'MDES',
      claimJti: inMemoryJtis(),
    };
    const { token } = await signAuthenticationProof(keys, {
      issuer,
      subject: 'pushacct-1',
      audience: 'MDES',
      methods: ['otp'],
    });
    await expect(verifyAuthenticationProof(token, verification)).resolves.toMatchObject({ subject: 'pushacct-1' });
    for (const [name, variant] of compactVariants(token)) {
      expect([name, await codeOf(verifyAuthenticationProof(variant, verification))]).toEqual([
        name,
        CryptoFailureCode.Malformed,
      ]);
    }
    expect(await codeOf(verifyAuthenticationProof(await sameJtiSignedAgain(token), verification))).toBe(
      CryptoFailureCode.Replayed,
    );
    // jose verifies the malleated signature: only a guard keyed on the jti refuses it.
    expect(keys.current.alg).toBe('ES256');
    const other = malleated(token);
    await expect(compactVerify(other, await importJWK(keys.current.publicJwk, 'ES256'))).resolves.toBeDefined();
    expect(await codeOf(verifyAuthenticationProof(other, verification))).toBe(CryptoFailureCode.Replayed);
  });

  it('the session-assertion activity accepts an assertion once, and no other spelling or signature of it', async () => {
    const effects: Effects = { signals: [], inventory: [], claimed: new Map(), decisions: [], events: [] };
    const pool = inMemoryPool(effects, {});
    const activities = createEnrollmentActivities({
      pool,
      keys: { jwks: () => keys.jwks(), networks: { issuerId: issuer } } as unknown as IssuerKeyStore,
      vault: {} as never,
      networks: {} as never,
      tokenRequestors: {} as never,
    });
    const { token } = await signAuthenticationProof(keys, {
      issuer,
      subject: 'customer-1',
      audience: sessionAssertionAudience,
      methods: ['fpt'],
    });
    const verify = (assertion: string) =>
      activities.verifySessionAssertion({ enrollmentId: 'enrollment-1', customerId: 'customer-1', assertion });
    expect(await verify(token)).toEqual({ valid: true });
    for (const [name, variant] of compactVariants(token)) {
      expect([name, await verify(variant)]).toEqual([
        name,
        { valid: false, reason: expect.stringMatching(/^MALFORMED: /) as unknown },
      ]);
    }
    for (const again of [token, await sameJtiSignedAgain(token), malleated(token)]) {
      expect(await verify(again)).toEqual({ valid: false, reason: expect.stringMatching(/^REPLAYED: /) as unknown });
    }
    // One claim in the replay guard's scope, for the one assertion accepted.
    expect([...effects.claimed.keys()].map((key) => key.split('\u0000')[0])).toEqual(['session-assertion-jti']);
  });

  it("the sandbox network checks an issuer's proof the same way", async () => {
    const fetchJwks = vi
      .spyOn(globalThis, 'fetch')
      .mockImplementation(() => Promise.resolve(new Response(JSON.stringify(keys.jwks()))));
    try {
      const network = new IssuerProofVerifier({ jwksUrl: () => 'http://issuer.test/jwks', issuer, audience: 'VTS' });
      const { token } = await signAuthenticationProof(keys, {
        issuer,
        subject: 'pa-1',
        audience: 'VTS',
        methods: ['otp'],
      });
      await expect(network.verify(token, 'pa-1')).resolves.toMatchObject({ subject: 'pa-1' });
      for (const [name, variant] of compactVariants(token)) {
        expect([name, await codeOf(network.verify(variant, 'pa-1'))]).toEqual([name, CryptoFailureCode.Malformed]);
      }
      expect(await codeOf(network.verify(await sameJtiSignedAgain(token), 'pa-1'))).toBe(CryptoFailureCode.Replayed);
      expect(await codeOf(network.verify(malleated(token), 'pa-1'))).toBe(CryptoFailureCode.Replayed);
    } finally {
      fetchJwks.mockRestore();
    }
  });
});

// Keeps the claimer's signature honest: the in-memory pool answers the replay guard's own query.
it('the in-memory pool claims like the replay guard does: once per value until it expires', async () => {
  const effects: Effects = { signals: [], inventory: [], claimed: new Map(), decisions: [], events: [] };
  const claim = singleUseClaimer(inMemoryPool(effects, {}), 'scope');
  const later = new Date(Date.now() + 60_000);
  expect(await claim('v', later)).toBe(true);
  expect(await claim('v', later)).toBe(false);
  expect(await claim('w', new Date(Date.now() - 1))).toBe(false);
});
