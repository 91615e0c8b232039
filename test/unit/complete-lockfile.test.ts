import { describe, expect, it } from 'vitest';
import { completeLockfile, platformOf } from '../../scripts/complete-lockfile.js';

describe('platformOf', () => {
  it('reads the platform from a prebuilt binary package name', () => {
    expect(platformOf('@swc/core-darwin-arm64')).toEqual({ os: 'darwin', cpu: 'arm64' });
    expect(platformOf('@swc/core-linux-arm-gnueabihf')).toEqual({ os: 'linux', cpu: 'arm', libc: 'glibc' });
    expect(platformOf('@swc/core-linux-x64-musl')).toEqual({ os: 'linux', cpu: 'x64', libc: 'musl' });
    expect(platformOf('@swc/core-win32-ia32-msvc')).toEqual({ os: 'win32', cpu: 'ia32' });
    expect(platformOf('left-pad')).toBeUndefined();
  });
});

describe('completeLockfile', () => {
  it('adds the optional platform packages the lockfile lacks, and only those', () => {
    const lock = {
      packages: {
        '': { version: '0.1.0' },
        'node_modules/@swc/core': {
          version: '1.16.22',
          optionalDependencies: {
            '@swc/core-darwin-arm64': '1.16.22',
            '@swc/core-linux-x64-gnu': '1.16.22',
            'some-helper': '^1.0.0',
          },
        },
        'node_modules/@swc/core-linux-x64-gnu': { version: '1.16.22', optional: true, os: ['linux'], cpu: ['x64'] },
      },
    };
    expect(completeLockfile(lock)).toEqual(['@swc/core-darwin-arm64@1.16.22']);
    expect(lock.packages).toHaveProperty(['node_modules/@swc/core-darwin-arm64'], {
      version: '1.16.22',
      optional: true,
      os: ['darwin'],
      cpu: ['arm64'],
    });
    expect(Object.keys(lock.packages)).not.toContain('node_modules/some-helper');
    expect(completeLockfile(lock)).toEqual([]);
  });

  it('finds a package nested under its dependent', () => {
    const lock = {
      packages: {
        'node_modules/a': { version: '1.0.0', optionalDependencies: { 'b-linux-x64': '2.0.0' } },
        'node_modules/a/node_modules/b-linux-x64': { version: '2.0.0' },
      },
    };
    expect(completeLockfile(lock)).toEqual([]);
  });
});
