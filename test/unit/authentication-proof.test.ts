import { base64url, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  signAuthenticationProof,
  verifyAuthenticationProof,
  type ProofVerification,
} from '../../activities/crypto/authentication-proof.js';
import { signCompactJws } from '../../activities/crypto/jws.js';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import type { PrivateSigningKey } from '../../activities/keys/key-handles.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';
import { rejectionOf } from '../support/rejection.js';

const issuer = 'pushprov-issuer-0001';
const audience = 'MDES';
const request = { issuer, subject: 'pushacct-3f1c2a', audience, methods: ['otp' as const] };

let dir: string;
let keys: IssuerSigningKeys;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-proof-'));
  keys = await IssuerSigningKeys.open(dir, { generateIfMissing: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A verifier with its own memory of used jtis, as the network keeps one. */
function verifier(overrides: Partial<ProofVerification> = {}): ProofVerification {
  const seen = new Set<string>();
  return {
    jwks: keys.jwks(),
    issuer,
    audience,
    claimJti: (jti) => Promise.resolve(!seen.has(jti) && Boolean(seen.add(jti))),
    ...overrides,
  };
}

function refusal(token: string, options: ProofVerification = verifier()): Promise<CryptoFailure> {
  return rejectionOf(verifyAuthenticationProof(token, options), CryptoFailure);
}

const encodeSegment = (value: object): string => base64url.encode(JSON.stringify(value));

/** A token made by hand, as an attacker or a buggy integration would: any header, key and lifetime. */
async function craftProof(options: {
  alg: string;
  kid: string;
  key: CryptoKey | Uint8Array | PrivateSigningKey;
  expiresIn?: string;
  jti?: string | null;
}): Promise<string> {
  if ('sign' in options.key) {
    // The issuer's own key signs through its handle, as the engine does (it may live in an HSM).
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      amr: ['otp'],
      iss: issuer,
      sub: 'pushacct-3f1c2a',
      aud: audience,
      iat: now,
      exp: now + Number.parseInt(options.expiresIn ?? '5m', 10) * 60,
      ...(options.jti !== null && { jti: options.jti ?? 'crafted' }),
    };
    return signCompactJws({ alg: options.key.alg, kid: options.kid, typ: 'JWT' }, claims, options.key);
  }
  const jwt = new SignJWT({ amr: ['otp'] })
    .setProtectedHeader({ alg: options.alg, kid: options.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setSubject('pushacct-3f1c2a')
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '5m');
  if (options.jti !== null) jwt.setJti(options.jti ?? 'crafted');
  return jwt.sign(options.key);
}

describe('an authentication proof', () => {
  it('is verified by the issuer published keys and says who was authenticated and how', async () => {
    const proof = await signAuthenticationProof(keys, request);
    const verified = await verifyAuthenticationProof(proof.token, verifier());
    expect(verified).toEqual({
      subject: 'pushacct-3f1c2a',
      methods: ['otp'],
      jti: proof.jti,
      kid: keys.current.kid,
      expiresAt: proof.expiresAt,
    });
    expect(proof.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000);
  });

  it('cannot be signed to live longer than 5 minutes', async () => {
    await expect(signAuthenticationProof(keys, { ...request, lifetimeSeconds: 301 })).rejects.toThrow(RangeError);
  });
});

describe('a proof is refused, with its cause named, when', () => {
  it('it is unsigned (alg none)', async () => {
    const { token } = await signAuthenticationProof(keys, request);
    const [, payload] = token.split('.');
    const failure = await refusal(`${encodeSegment({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    expect(failure.code).toBe(CryptoFailureCode.AlgorithmNotAllowed);
    expect(failure.message).toMatch(/unsigned/);
  });

  it('it is an HS256 token whose secret is the issuer public key', async () => {
    const publicKey = (await importJWK(keys.current.publicJwk, keys.current.alg)) as CryptoKey;
    const publicPem = await exportSPKI(publicKey);
    const forged = await craftProof({ alg: 'HS256', kid: keys.current.kid, key: new TextEncoder().encode(publicPem) });
    const failure = await refusal(forged);
    expect(failure.code).toBe(CryptoFailureCode.AlgorithmNotAllowed);
    expect(failure.message).toMatch(/shared-secret MAC/);
  });

  it('its key id is not among the published keys', async () => {
    const stranger = await generateKeyPair('ES256');
    const token = await craftProof({ alg: 'ES256', kid: 'someone-elses-key', key: stranger.privateKey });
    const failure = await refusal(token);
    expect(failure.code).toBe(CryptoFailureCode.UnknownKeyId);
    expect(failure.message).toMatch(/someone-elses-key/);
  });

  it('it names a published key but was signed with another', async () => {
    const stranger = await generateKeyPair('ES256');
    const token = await craftProof({ alg: 'ES256', kid: keys.current.kid, key: stranger.privateKey });
    expect((await refusal(token)).code).toBe(CryptoFailureCode.SignatureInvalid);
  });

  it('its claims were altered after signing', async () => {
    const { token } = await signAuthenticationProof(keys, request);
    const [header, , signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]!))) as object;
    const altered = encodeSegment({ ...claims, sub: 'other' });
    expect((await refusal(`${header}.${altered}.${signature}`)).code).toBe(CryptoFailureCode.SignatureInvalid);
  });

  it('it has expired', async () => {
    const { token, expiresAt } = await signAuthenticationProof(keys, request);
    const failure = await refusal(token, verifier({ now: new Date(expiresAt.getTime() + 31_000) }));
    expect(failure.code).toBe(CryptoFailureCode.Expired);
  });

  it('it is presented a second time', async () => {
    const { token, jti } = await signAuthenticationProof(keys, request);
    const network = verifier();
    await verifyAuthenticationProof(token, network);
    const failure = await refusal(token, network);
    expect(failure.code).toBe(CryptoFailureCode.Replayed);
    // The jti is the sender's text: the refusal does not echo it.
    expect(failure.message).not.toContain(jti);
  });

  it('it is meant for another audience, or comes from another issuer', async () => {
    const { token } = await signAuthenticationProof(keys, { ...request, audience: 'VTS' });
    const wrongAudience = await refusal(token);
    expect(wrongAudience.code).toBe(CryptoFailureCode.WrongAudience);
    expect(wrongAudience.message).toBe('The proof is meant for "VTS", not for MDES');

    const other = await signAuthenticationProof(keys, { ...request, issuer: 'another-bank' });
    expect((await refusal(other.token)).code).toBe(CryptoFailureCode.WrongIssuer);
  });

  it('it claims to live longer than 5 minutes', async () => {
    const key = keys.current;
    const token = await craftProof({ alg: key.alg, kid: key.kid, key: key.signer, expiresIn: '10m' });
    expect((await refusal(token)).code).toBe(CryptoFailureCode.LifetimeTooLong);
  });

  it('it lacks its jti', async () => {
    const key = keys.current;
    const token = await craftProof({ alg: key.alg, kid: key.kid, key: key.signer, jti: null });
    const failure = await refusal(token);
    expect(failure.code).toBe(CryptoFailureCode.MissingClaim);
    expect(failure.message).toMatch(/"jti"/);
  });

  it('it is not a JWS at all', async () => {
    expect((await refusal('not-a-token')).code).toBe(CryptoFailureCode.Malformed);
  });

  it('its key was rotated out longer ago than the overlap', async () => {
    const rotating = await mkdtemp(path.join(tmpdir(), 'pushprov-rotation-'));
    try {
      const before = await IssuerSigningKeys.open(rotating, { generateIfMissing: true });
      const { token } = await signAuthenticationProof(before, request);
      await IssuerSigningKeys.rotate(rotating);
      const after = await IssuerSigningKeys.open(rotating, { overlapMs: 0 });
      expect((await refusal(token, verifier({ jwks: after.jwks() }))).code).toBe(CryptoFailureCode.UnknownKeyId);

      const withinOverlap = await IssuerSigningKeys.open(rotating, { overlapMs: 60_000 });
      await expect(verifyAuthenticationProof(token, verifier({ jwks: withinOverlap.jwks() }))).resolves.toBeDefined();
    } finally {
      await rm(rotating, { recursive: true, force: true });
    }
  });
});
