// Authentication proofs against the real replay guard: a jti is accepted once, however many verifiers race.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signAuthenticationProof, verifyAuthenticationProof } from '../../activities/crypto/authentication-proof.js';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import { singleUseClaimer } from '../../db/replay-guard.js';
import { CryptoFailure, CryptoFailureCode } from '../../domain/crypto-failure.js';

let pool: pg.Pool;
let keysDir: string;
let keys: IssuerSigningKeys;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 25 });
  keysDir = await mkdtemp(path.join(tmpdir(), 'pushprov-proof-replay-'));
  keys = await IssuerSigningKeys.open(keysDir, { generateIfMissing: true });
});

afterAll(async () => {
  await pool?.end();
  await rm(keysDir, { recursive: true, force: true });
});

describe('authentication proof replay protection', () => {
  it('accepts exactly one of twenty concurrent verifications of the same proof', async () => {
    const request = { issuer: 'bank', subject: 'pushacct-1', audience: 'MDES', methods: ['otp' as const] };
    const { token } = await signAuthenticationProof(keys, request);
    const options = {
      jwks: keys.jwks(),
      issuer: 'bank',
      audience: 'MDES',
      claimJti: singleUseClaimer(pool, 'authentication-proof-jti'),
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => verifyAuthenticationProof(token, options)),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        expect(outcome.reason).toBeInstanceOf(CryptoFailure);
        expect((outcome.reason as CryptoFailure).code).toBe(CryptoFailureCode.Replayed);
      }
    }
  });
});
