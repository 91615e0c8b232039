/**
 * Builds the Temporal server itself (not the CLI's dev server) and its SQL schema tool from the Go module
 * proxy, once per user and version, beside the CLI in the cache: `npm run start:cluster` runs them on
 * PostgreSQL. The version is the one the CLI bundles, so Go's build cache from the CLI's build serves most
 * of the packages.
 */
import { existsSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import {
  installAtomically,
  requireTool,
  runWithHeartbeat,
  ToolchainBuildError,
  type ProgressLog,
} from './toolchain.js';

export const temporalServerVersion = '1.29.1';

export interface TemporalServerBinaries {
  /** `temporal-server`: frontend, history, matching and worker services, started by config. */
  server: string;
  /** `temporal-sql-tool`: creates the databases and sets up their schema (the schemas are embedded in it). */
  sqlTool: string;
}

const packages = {
  server: { path: 'go.temporal.io/server/cmd/server', binary: 'temporal-server' },
  sqlTool: { path: 'go.temporal.io/server/cmd/tools/sql', binary: 'temporal-sql-tool' },
} as const;

export function temporalServerBinaries(cacheDir: string): TemporalServerBinaries {
  const dir = path.join(cacheDir, `temporal-server-${temporalServerVersion}`);
  return { server: path.join(dir, packages.server.binary), sqlTool: path.join(dir, packages.sqlTool.binary) };
}

/** Builds both binaries unless the cache has them; `signal` aborts a build in progress (e.g. on Ctrl-C). */
export async function ensureTemporalServer(
  cacheDir: string,
  log: ProgressLog,
  signal?: AbortSignal,
): Promise<TemporalServerBinaries> {
  const binaries = temporalServerBinaries(cacheDir);
  if (existsSync(binaries.server) && existsSync(binaries.sqlTool)) return binaries;

  requireTool('go', ['version'], 'Go (1.21 or newer) builds the Temporal server from the Go module proxy');
  log(
    `Building the Temporal server ${temporalServerVersion} and temporal-sql-tool with go install ` +
      '(first run only; about 1 to 4 minutes on 2 cores, depending on what the CLI build left in the Go cache)...',
  );
  await installAtomically(path.dirname(binaries.server), async (stagingDir) => {
    await runWithHeartbeat(
      'go',
      [
        'install',
        '-trimpath',
        '-ldflags=-s -w',
        `${packages.server.path}@v${temporalServerVersion}`,
        `${packages.sqlTool.path}@v${temporalServerVersion}`,
      ],
      // As for the CLI: pure Go (pgx), and GOTOOLCHAIN=auto fetches the Go release the server's go.mod asks for.
      { ...process.env, CGO_ENABLED: '0', GOBIN: stagingDir, GOTOOLCHAIN: 'auto' },
      'Temporal server',
      log,
      signal,
    );
    // go install names a binary after its package's folder: server, sql.
    for (const { path: packagePath, binary } of Object.values(packages)) {
      const built = path.join(stagingDir, path.basename(packagePath));
      if (!existsSync(built)) throw new ToolchainBuildError(`go install finished but ${built} is missing`);
      await rename(built, path.join(stagingDir, binary));
    }
  });
  log(`Temporal server ready: ${binaries.server}`);
  return binaries;
}
