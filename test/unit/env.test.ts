import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidEnvironmentError, parseEnv, projectRoot } from '../../config/env.js';
import { parseStartingKnobs } from '../../sandbox/knobs.js';

describe('parseEnv', () => {
  it('has defaults that run the local stack', () => {
    const env = parseEnv({ HOME: '/home/issuer' });
    expect(env.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(env.TEMPORAL_UI_PORT).toBe(8233);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.PUSHPROV_DATA_DIR).toBe(path.join(projectRoot, '.data'));
    expect(env.PUSHPROV_CACHE_DIR).toBe('/home/issuer/.cache/pushprov');
  });

  it('treats an empty variable as unset', () => {
    const env = parseEnv({ HOME: '/home/issuer', DATABASE_URL: '', API_PORT: '' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.API_PORT).toBe(3000);
  });

  it('keeps the toolchain cache under XDG_CACHE_HOME when set', () => {
    expect(parseEnv({ HOME: '/home/issuer', XDG_CACHE_HOME: '/var/cache/issuer' }).PUSHPROV_CACHE_DIR).toBe(
      '/var/cache/issuer/pushprov',
    );
  });

  it('takes the proxies to trust as Fastify does: none unless set, any with true, or their addresses', () => {
    const trusted = (value?: string): unknown =>
      parseEnv({ HOME: '/home/issuer', ...(value !== undefined && { API_TRUST_PROXY: value }) }).API_TRUST_PROXY;
    expect([trusted(), trusted('true'), trusted('10.0.0.0/8,127.0.0.1')]).toEqual([
      undefined,
      true,
      '10.0.0.0/8,127.0.0.1',
    ]);
  });

  it('names every variable that is wrong', () => {
    const parse = (): unknown =>
      parseEnv({ API_PORT: '70000', TEMPORAL_ADDRESS: 'localhost', DATABASE_URL: 'mysql://db/x' });
    expect(parse).toThrow(InvalidEnvironmentError);
    expect(parse).toThrow(/API_PORT/);
    expect(parse).toThrow(/TEMPORAL_ADDRESS: expected host:port/);
    expect(parse).toThrow(/DATABASE_URL/);
  });

  it('reads SANDBOX_KNOBS as JSON, and names it when it is not', () => {
    const knobs = '{"mdes":{"latencyMs":200}}';
    expect(parseEnv({ HOME: '/home/issuer', SANDBOX_KNOBS: knobs }).SANDBOX_KNOBS).toEqual({
      mdes: { latencyMs: 200 },
    });
    expect(() => parseEnv({ HOME: '/home/issuer', SANDBOX_KNOBS: '{mdes' })).toThrow(/SANDBOX_KNOBS: expected JSON/);
  });
});

describe('parseStartingKnobs', () => {
  it('names a wrong knob in SANDBOX_KNOBS, and an unknown sandbox', () => {
    const parse = (json: unknown) => (): unknown => parseStartingKnobs(json);
    expect(parse({ mdes: { latencyMs: -1 } })).toThrow(InvalidEnvironmentError);
    expect(parse({ mdes: { latencyMs: -1 } })).toThrow(/SANDBOX_KNOBS\.mdes\.latencyMs: /);
    expect(parse({ visa: {} })).toThrow(/SANDBOX_KNOBS: .*visa/);
  });

  it('gives each sandbox its knobs with their defaults', () => {
    const knobs = parseStartingKnobs({ tokenRequestors: { tokenRequestors: { neverComplete: ['50110030273'] } } });
    expect(knobs.tokenRequestors?.tokenRequestors.neverComplete).toEqual(['50110030273']);
    expect(knobs.tokenRequestors?.latencyMs).toBe(0);
    expect(knobs.mdes).toBeUndefined();
  });
});
