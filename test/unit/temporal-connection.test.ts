import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../config/env.js';
import { temporalConnectionOptions } from '../../config/temporal-connection.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-tls-'));
  for (const name of ['ca.pem', 'client.pem', 'client.key'])
    await writeFile(path.join(dir, name), `contents of ${name}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const options = (variables: Record<string, string>): ReturnType<typeof temporalConnectionOptions> =>
  temporalConnectionOptions(parseEnv({ TEMPORAL_ADDRESS: 'temporal.example:7233', ...variables }));

describe('the connection to Temporal', () => {
  it('is plain by default', () => {
    expect(options({})).toEqual({ address: 'temporal.example:7233' });
  });

  it('uses mTLS with a CA, a client certificate and key, and a server name', () => {
    const tls = options({
      TEMPORAL_TLS_CA_FILE: path.join(dir, 'ca.pem'),
      TEMPORAL_TLS_CERT_FILE: path.join(dir, 'client.pem'),
      TEMPORAL_TLS_KEY_FILE: path.join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    }).tls!;
    expect(tls.serverRootCACertificate!.toString()).toBe('contents of ca.pem');
    expect(tls.clientCertPair!.crt.toString()).toBe('contents of client.pem');
    expect(tls.clientCertPair!.key.toString()).toBe('contents of client.key');
    expect(tls.serverNameOverride).toBe('temporal.internal');
  });

  it('uses TLS with an API key for Temporal Cloud', () => {
    expect(options({ TEMPORAL_API_KEY: 'key' })).toEqual({ address: 'temporal.example:7233', tls: {}, apiKey: 'key' });
  });

  it('says what is missing', () => {
    expect(() => options({ TEMPORAL_TLS_CERT_FILE: path.join(dir, 'client.pem') })).toThrow(/go together/);
    expect(() => options({ TEMPORAL_TLS_CA_FILE: path.join(dir, 'nope.pem') })).toThrow(
      /Cannot read the Temporal CA at .*nope\.pem/,
    );
  });
});
