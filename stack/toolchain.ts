/**
 * Builds the Temporal binaries the project runs, from the package registries, once per user and version:
 * the Temporal CLI (dev server with SQLite and the Web UI) with `go install`, and the Java time-skipping
 * test server from Maven Central behind a launcher script that @temporalio/testing can spawn.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { relayLines } from './processes.js';

export const temporalCliVersion = '1.5.1';
export const temporalTestServerVersion = '1.38.0';

export interface Toolchain {
  /** The `temporal` CLI binary. */
  temporalCli: string;
  /** An executable that starts the time-skipping test server; takes the port as its first argument. */
  timeSkippingTestServer: string;
}

export type ProgressLog = (line: string) => void;

export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

export class ToolchainBuildError extends Error {
  override name = 'ToolchainBuildError';
}

export function temporalCliPath(cacheDir: string): string {
  return path.join(cacheDir, `temporal-cli-${temporalCliVersion}`, 'temporal');
}

export function timeSkippingTestServerPath(cacheDir: string): string {
  return path.join(cacheDir, `temporal-test-server-${temporalTestServerVersion}`, 'temporal-test-server');
}

export async function ensureToolchain(cacheDir: string, log: ProgressLog): Promise<Toolchain> {
  return {
    temporalCli: await ensureTemporalCli(cacheDir, log),
    timeSkippingTestServer: await ensureTimeSkippingTestServer(cacheDir, log),
  };
}

/** Builds the CLI unless the cache has it; `signal` aborts a build in progress (e.g. on Ctrl-C). */
export async function ensureTemporalCli(cacheDir: string, log: ProgressLog, signal?: AbortSignal): Promise<string> {
  const target = temporalCliPath(cacheDir);
  if (existsSync(target)) return target;

  requireTool('go', ['version'], 'Go (1.21 or newer) builds the Temporal CLI from the Go module proxy');
  log(
    `Building the Temporal CLI ${temporalCliVersion} with go install (first run only, about 3 minutes on 2 cores)...`,
  );
  await installAtomically(path.dirname(target), async (stagingDir) => {
    await runWithHeartbeat(
      'go',
      [
        'install',
        '-trimpath',
        // Releases stamp their version the same way; -s -w drop the symbol tables (250 MB -> 210 MB).
        `-ldflags=-s -w -X github.com/temporalio/cli/temporalcli.Version=${temporalCliVersion}`,
        `github.com/temporalio/cli/cmd/temporal@v${temporalCliVersion}`,
      ],
      // GOTOOLCHAIN=auto: an older Go fetches the release the CLI's go.mod asks for from the module proxy
      // (Debian's and Ubuntu's Go default to "local", which would refuse).
      { ...process.env, CGO_ENABLED: '0', GOBIN: stagingDir, GOTOOLCHAIN: 'auto' },
      'Temporal CLI',
      log,
      signal,
    );
  });
  log(`Temporal CLI ready: ${target}`);
  return target;
}

export async function ensureTimeSkippingTestServer(cacheDir: string, log: ProgressLog): Promise<string> {
  const launcher = timeSkippingTestServerPath(cacheDir);
  if (existsSync(launcher)) return launcher;

  requireTool('java', ['-version'], 'Java (8 or newer) runs the Temporal time-skipping test server');
  requireTool('mvn', ['-v'], 'Maven fetches the Temporal test server from Maven Central');
  log(`Fetching the Temporal time-skipping test server ${temporalTestServerVersion} from Maven Central...`);
  const installDir = path.dirname(launcher);
  await installAtomically(installDir, async (stagingDir) => {
    const libDir = path.join(stagingDir, 'lib');
    await runWithHeartbeat(
      'mvn',
      [
        '--batch-mode',
        '--quiet',
        '--file',
        fileURLToPath(new URL('temporal-test-server.pom.xml', import.meta.url)),
        `-Dtemporal.test.server.version=${temporalTestServerVersion}`,
        `-DoutputDirectory=${libDir}`,
        'dependency:copy-dependencies',
      ],
      process.env,
      'Temporal test server',
      log,
    );
    const jars = await readdir(libDir);
    if (!jars.includes(`temporal-test-server-${temporalTestServerVersion}.jar`)) {
      throw new ToolchainBuildError(
        `Maven finished but temporal-test-server-${temporalTestServerVersion}.jar is missing`,
      );
    }
    const stagedLauncher = path.join(stagingDir, path.basename(launcher));
    await writeFile(stagedLauncher, launcherScript(path.join(installDir, 'lib')));
    await chmod(stagedLauncher, 0o755);
  });
  log(`Temporal test server ready: ${launcher}`);
  return launcher;
}

function launcherScript(libDir: string): string {
  const quoted = `'${libDir.replaceAll("'", "'\\''")}/*'`;
  return [
    '#!/bin/sh',
    `# Temporal time-skipping test server ${temporalTestServerVersion} (Java), in place of the native build`,
    '# that @temporalio/testing would download. exec: the SDK stops the server by the PID it spawned.',
    `exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp ${quoted} io.temporal.testserver.TestServer "$@"`,
    '',
  ].join('\n');
}

/**
 * Builds into a fresh folder beside `targetDir` and renames it into place, so that a cache entry is
 * complete or absent. When another process finished the same build first, its result stays.
 */
export async function installAtomically(
  targetDir: string,
  build: (stagingDir: string) => Promise<void>,
): Promise<void> {
  await mkdir(path.dirname(targetDir), { recursive: true });
  const stagingDir = await mkdtemp(path.join(path.dirname(targetDir), `.staging-${path.basename(targetDir)}-`));
  try {
    await build(stagingDir);
    await rename(stagingDir, targetDir).catch((error: unknown) => {
      if (!existsSync(targetDir)) throw error;
    });
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

export function requireTool(command: string, versionArgs: string[], purpose: string): void {
  const probe = spawnSync(command, versionArgs, { stdio: 'ignore' });
  if (probe.error) {
    throw new MissingToolError(`\`${command}\` is not on PATH. ${purpose}; install it and run again.`);
  }
}

/** Runs a long build, passing its output through and saying every 20 s that it is still going. */
export async function runWithHeartbeat(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  what: string,
  log: ProgressLog,
  signal?: AbortSignal,
): Promise<void> {
  const started = Date.now();
  const heartbeat = setInterval(() => {
    log(`  still building the ${what} (${Math.round((Date.now() - started) / 1000)} s)...`);
  }, 20_000);
  try {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...(signal && { signal }) });
    const output = relayLines([child.stdout, child.stderr], (line) => log(`  ${line}`));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      throw new ToolchainBuildError(`Building the ${what} failed (${command} exited with ${code}):\n${output()}`);
    }
    log(`  built the ${what} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    clearInterval(heartbeat);
  }
}
