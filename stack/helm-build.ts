/**
 * Builds Helm from the Go module proxy, once per user and version, beside the Temporal binaries in the
 * cache: the tests lint and render the chart in deploy/helm/ with it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { installAtomically, requireTool, runWithHeartbeat, type ProgressLog } from './toolchain.js';

export const helmVersion = '4.3.2';

export function helmPath(cacheDir: string): string {
  return path.join(cacheDir, `helm-${helmVersion}`, 'helm');
}

/** Builds helm unless the cache has it; `signal` aborts a build in progress. */
export async function ensureHelm(cacheDir: string, log: ProgressLog, signal?: AbortSignal): Promise<string> {
  const target = helmPath(cacheDir);
  if (existsSync(target)) return target;

  requireTool('go', ['version'], 'Go (1.21 or newer) builds Helm from the Go module proxy');
  log(`Building Helm ${helmVersion} with go install (first run only, a few minutes on 2 cores)...`);
  await installAtomically(path.dirname(target), async (stagingDir) => {
    await runWithHeartbeat(
      'go',
      [
        'install',
        '-trimpath',
        // As Helm's own release build stamps it (`helm version` would say v4.x otherwise).
        `-ldflags=-s -w -X helm.sh/helm/v4/internal/version.version=v${helmVersion}`,
        `helm.sh/helm/v4/cmd/helm@v${helmVersion}`,
      ],
      // As for the Temporal CLI: pure Go, and GOTOOLCHAIN=auto fetches the Go release Helm's go.mod asks for.
      { ...process.env, CGO_ENABLED: '0', GOBIN: stagingDir, GOTOOLCHAIN: 'auto' },
      'Helm',
      log,
      signal,
    );
  });
  log(`Helm ready: ${target}`);
  return target;
}
