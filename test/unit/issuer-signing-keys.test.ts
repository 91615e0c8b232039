import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IssuerSigningKeys, MissingSigningKeyError } from '../../activities/keys/issuer-signing-keys.js';

let dir: string;

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'pushprov-keys-')), 'issuer');
});

afterEach(async () => {
  await rm(path.dirname(dir), { recursive: true, force: true });
});

describe('issuer signing keys', () => {
  it('generates a first key in development, private to its owner, published without its private part', async () => {
    const keys = await IssuerSigningKeys.open(dir, { generateIfMissing: true });
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const file of await readdir(dir)) expect((await stat(path.join(dir, file))).mode & 0o777).toBe(0o600);
    const stored = createPrivateKey(await readFile(path.join(dir, `${keys.current.kid}.pem`), 'utf8'));
    expect(stored.asymmetricKeyType).toBe('ec');
    expect(await calculateJwkThumbprint(createPublicKey(stored).export({ format: 'jwk' }) as JWK)).toBe(
      keys.current.kid,
    );

    const { keys: published } = keys.jwks();
    expect(published).toHaveLength(1);
    expect(published[0]).toMatchObject({ kid: keys.current.kid, alg: 'ES256', use: 'sig', kty: 'EC', crv: 'P-256' });
    expect(published[0]).not.toHaveProperty('d');
  });

  it('keeps the same key across restarts', async () => {
    const first = await IssuerSigningKeys.open(dir, { generateIfMissing: true });
    const again = await IssuerSigningKeys.open(dir);
    expect(again.current.kid).toBe(first.current.kid);
  });

  it('agrees on one key when two processes start at once', async () => {
    const [a, b] = await Promise.all([
      IssuerSigningKeys.open(dir, { generateIfMissing: true }),
      IssuerSigningKeys.open(dir, { generateIfMissing: true }),
    ]);
    expect(a.current.kid).toBe(b.current.kid);
  });

  it('refuses to start without keys where they are provisioned, not generated', async () => {
    await expect(IssuerSigningKeys.open(dir)).rejects.toThrow(MissingSigningKeyError);
  });

  it('rotates: the new key signs, the old one stays published for the overlap only', async () => {
    const before = await IssuerSigningKeys.open(dir, { generateIfMissing: true, algorithm: 'RS256' });
    const rotatedAt = new Date();
    const newKid = await IssuerSigningKeys.rotate(dir, 'ES256', rotatedAt);
    const after = await IssuerSigningKeys.open(dir, { overlapMs: 60_000 });

    expect(after.current.kid).toBe(newKid);
    expect(after.current.kid).not.toBe(before.current.kid);
    const kids = (at: number): (string | undefined)[] =>
      after.jwks(new Date(rotatedAt.getTime() + at)).keys.map((key) => key.kid);
    expect(kids(59_000)).toEqual([before.current.kid, newKid]);
    expect(kids(61_000)).toEqual([newKid]);
  });
});
