import { describe, expect, it } from 'vitest';
import { missingPrerequisites, prerequisites, type MachineProbe } from '../../stack/prerequisites.js';
import { temporalCliPath, timeSkippingTestServerPath } from '../../stack/toolchain.js';

const settings = { cacheDir: '/cache', chromiumPath: '/usr/bin/chromium' };

function machine(tools: Record<string, string>, files: string[]): MachineProbe {
  return { version: (command) => tools[command], exists: (file) => files.includes(file) };
}

describe('the prerequisites npm test checks first', () => {
  it('names everything a bare machine lacks, with one install command', () => {
    const message = missingPrerequisites('test', prerequisites('test', settings, machine({}, [])));
    expect(message).toContain('npm test needs what this machine lacks:');
    for (const name of ['Go', 'Java', 'Maven', 'Chromium', 'promtool', 'SoftHSM2'])
      expect(message).toContain(`  - ${name} (`);
    expect(message).toContain(
      'sudo apt-get install -y golang-go default-jre-headless maven chromium prometheus softhsm2',
    );
  });

  it('is satisfied by a machine with the tools, and asks for no build tool once the toolchain is cached', () => {
    const equipped = machine(
      {
        go: 'go version go1.26.8 linux/amd64',
        java: 'openjdk version "17.0.15"',
        mvn: 'Apache Maven 3.8.7',
        promtool: 'promtool, version 2.42.0+ds',
        'softhsm2-util': '2.6.1',
      },
      ['/usr/bin/chromium', '/usr/lib/softhsm/libsofthsm2.so'],
    );
    expect(missingPrerequisites('test', prerequisites('test', settings, equipped))).toBeUndefined();
    const cached = machine(
      { java: 'openjdk version "17"', promtool: 'promtool, version 2.42.0+ds', 'softhsm2-util': '2.6.1' },
      [
        '/usr/bin/chromium',
        '/usr/lib/softhsm/libsofthsm2.so',
        temporalCliPath('/cache'),
        timeSkippingTestServerPath('/cache'),
      ],
    );
    expect(missingPrerequisites('test', prerequisites('test', settings, cached))).toBeUndefined();
    const utilityOnly = machine({ ...{ java: 'x', promtool: 'x' }, 'softhsm2-util': '2.6.1' }, ['/usr/bin/chromium']);
    expect(missingPrerequisites('test', prerequisites('test', settings, utilityOnly))).toMatch(
      /SoftHSM2 \(no libsofthsm2\.so at \/usr\/lib\/softhsm\/libsofthsm2\.so/,
    );
  });

  it('refuses a Go too old to fetch the release the Temporal CLI needs', () => {
    const old = machine({ go: 'go version go1.19.8 linux/amd64' }, []);
    expect(missingPrerequisites('start', prerequisites('start', settings, old))).toMatch(
      /Go \(go version go1\.19\.8 linux\/amd64 is older than Go 1\.21\)[\s\S]*golang-1\.23-go/,
    );
  });

  it('asks npm start for Go only', () => {
    const names = prerequisites('start', settings, machine({}, [])).map((prerequisite) => prerequisite.name);
    expect(names).toEqual(['Go']);
  });
});
