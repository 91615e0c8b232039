/** For tests of the API's consumer routes without servers: a development identity provider, and dependencies a test must not reach. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import { afterAll, beforeAll } from 'vitest';
import { CallerAuthenticator, DevIdentityProvider } from '../../api/caller-auth.js';
import type { ConsumerApiDeps } from '../../api/consumer-routes.js';

export const testAudience = 'pushprov-test';

/** The file's development identity provider, its keys in a temporary folder removed after the file. */
export function identityProviderForTests(): () => DevIdentityProvider {
  let keysDir: string | undefined;
  let identity: DevIdentityProvider | undefined;
  beforeAll(async () => {
    keysDir = await mkdtemp(path.join(tmpdir(), 'pushprov-identity-'));
    identity = await DevIdentityProvider.open(keysDir);
  });
  afterAll(async () => {
    if (keysDir) await rm(keysDir, { recursive: true, force: true });
  });
  return () => {
    if (!identity) throw new Error('the identity provider is opened before the tests');
    return identity;
  };
}

/** A dependency the test must not reach: any use is a test failure. */
export function untouchable<T extends object>(name: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      throw new Error(`${name}.${String(property)} was used`);
    },
  });
}

/** Consumer dependencies that authenticate this provider's tokens; the others untouchable but those `behind` gives. */
export function consumerDepsFor(identity: DevIdentityProvider, behind: Partial<ConsumerApiDeps> = {}): ConsumerApiDeps {
  return {
    auth: new CallerAuthenticator({
      issuer: 'pushprov-dev-idp',
      audience: testAudience,
      keys: createLocalJWKSet(identity.jwks()),
    }),
    pool: untouchable('pool'),
    temporal: untouchable('temporal'),
    taskQueue: 'unused',
    vault: untouchable('vault'),
    tokenRequestors: untouchable('tokenRequestors'),
    wallets: untouchable('wallets'),
    walletAdapters: untouchable('walletAdapters'),
    ...behind,
  };
}
