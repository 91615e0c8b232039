/**
 * What a machine needs beyond `npm ci` to run the stack or the tests, checked before anything starts, so
 * that a new machine hears at once, in one list, what to install and with which command: Go builds the
 * Temporal CLI and Maven fetches the time-skipping test server (each only until they are cached), Java
 * runs that test server, Chromium runs the browser tests, promtool checks the Prometheus alert rules, and
 * SoftHSM2 is the HSM the PKCS#11 key store is tested against.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { temporalCliPath, timeSkippingTestServerPath } from './toolchain.js';

export type Purpose = 'start' | 'test';

/** Where SoftHSM2's PKCS#11 module is: Debian's softhsm2 package, then where a build from source installs it. */
export const softHsmModulePaths = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

export interface Prerequisite {
  name: string;
  why: string;
  /** The Debian / Ubuntu package that provides it. */
  debianPackage: string;
  /** Undefined when the machine has it; otherwise what is wrong. */
  problem: string | undefined;
}

/** Go 1.21 and later fetch the Go release the Temporal CLI asks for from the Go module proxy themselves. */
const minimumGoMinor = 21;

export interface MachineProbe {
  /** The first line a command prints for its version, or undefined when it is not on PATH. */
  version(command: string, args: string[]): string | undefined;
  exists(file: string): boolean;
}

export const thisMachine: MachineProbe = {
  version(command, args) {
    const probe = spawnSync(command, args, { encoding: 'utf8' });
    if (probe.error) return undefined;
    return `${probe.stdout}${probe.stderr}`.split('\n')[0] ?? '';
  },
  exists: existsSync,
};

export function prerequisites(
  purpose: Purpose,
  settings: { cacheDir: string; chromiumPath: string },
  machine: MachineProbe = thisMachine,
): Prerequisite[] {
  const needed: Prerequisite[] = [];
  if (!machine.exists(temporalCliPath(settings.cacheDir))) {
    needed.push({
      name: 'Go',
      why: 'builds the Temporal CLI from the Go module proxy (once, then cached)',
      debianPackage: 'golang-go',
      problem: goProblem(machine.version('go', ['version'])),
    });
  }
  if (purpose === 'test') {
    needed.push({
      name: 'Java',
      why: "runs Temporal's time-skipping test server",
      debianPackage: 'default-jre-headless',
      problem: machine.version('java', ['-version']) === undefined ? '`java` is not on PATH' : undefined,
    });
    if (!machine.exists(timeSkippingTestServerPath(settings.cacheDir))) {
      needed.push({
        name: 'Maven',
        why: "fetches Temporal's test server from Maven Central (once, then cached)",
        debianPackage: 'maven',
        problem: machine.version('mvn', ['-v']) === undefined ? '`mvn` is not on PATH' : undefined,
      });
    }
    needed.push({
      name: 'Chromium',
      why: 'the browser tests drive it',
      debianPackage: 'chromium',
      problem: machine.exists(settings.chromiumPath) ? undefined : `nothing at ${settings.chromiumPath}`,
    });
    needed.push({
      name: 'promtool',
      why: 'checks and unit-tests the Prometheus alert rules',
      debianPackage: 'prometheus',
      problem: machine.version('promtool', ['--version']) === undefined ? '`promtool` is not on PATH' : undefined,
    });
    const softHsmModule = softHsmModulePaths.some((file) => machine.exists(file));
    needed.push({
      name: 'SoftHSM2',
      why: 'the HSM the PKCS#11 key store is tested against',
      debianPackage: 'softhsm2',
      problem:
        machine.version('softhsm2-util', ['--version']) === undefined
          ? '`softhsm2-util` is not on PATH'
          : softHsmModule
            ? undefined
            : `no libsofthsm2.so at ${softHsmModulePaths.join(', ')}`,
    });
  }
  return needed;
}

function goProblem(version: string | undefined): string | undefined {
  if (version === undefined) return '`go` is not on PATH';
  const minor = /go1\.(\d+)/.exec(version)?.[1];
  if (minor === undefined) return undefined; // a development build: trusted
  return Number(minor) < minimumGoMinor ? `${version.trim()} is older than Go 1.${minimumGoMinor}` : undefined;
}

/** The message for the missing ones, with the one command that installs them; undefined when none is. */
export function missingPrerequisites(purpose: Purpose, found: Prerequisite[]): string | undefined {
  const missing = found.filter((prerequisite) => prerequisite.problem !== undefined);
  if (missing.length === 0) return undefined;
  const lines = [
    `npm ${purpose} needs what this machine lacks:`,
    ...missing.map((prerequisite) => `  - ${prerequisite.name} (${prerequisite.problem}): ${prerequisite.why}`),
    'On Debian or Ubuntu:',
    `  sudo apt-get install -y ${missing.map((prerequisite) => prerequisite.debianPackage).join(' ')}`,
  ];
  if (missing.some((prerequisite) => prerequisite.name === 'Go')) {
    lines.push(
      `Go must be 1.${minimumGoMinor} or newer: Debian 12's golang-go is 1.19 (take golang-1.23-go from bookworm-backports, or https://go.dev/dl).`,
    );
  }
  if (missing.some((prerequisite) => prerequisite.name === 'Chromium')) {
    lines.push("Ubuntu's chromium is a snap: install it, then set CHROMIUM_PATH=/snap/bin/chromium.");
  }
  return lines.join('\n');
}
