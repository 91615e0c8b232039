/**
 * `npm run lockfile:complete`, after any `npm install`: the package registry these machines reach does not
 * serve every platform's prebuilt binaries (e.g. @swc/core-darwin-arm64), so npm leaves them out of
 * package-lock.json, and `npm ci` then refuses the lockfile as out of sync. This adds the missing optional
 * platform packages with their os / cpu, as a lockfile made against the full registry has them; npm never
 * fetches a package whose platform is not the machine's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

interface Platform {
  os: string;
  cpu: string;
  libc?: string;
}

const platformPattern =
  /(android|darwin|freebsd|linux|openbsd|sunos|win32|aix)-(arm64|arm|ia32|x64|ppc64|s390x|riscv64|loong64)(?:-(gnu|musl|gnueabihf|musleabihf|msvc|eabi))?$/;

export function platformOf(packageName: string): Platform | undefined {
  const match = platformPattern.exec(packageName);
  if (!match) return undefined;
  const [, os, cpu, abi] = match as unknown as [string, string, string, string | undefined];
  const libc = abi?.startsWith('gnu') ? 'glibc' : abi?.startsWith('musl') ? 'musl' : undefined;
  return { os, cpu, ...(libc && { libc }) };
}

/** Where node would find `name` from the package at `location`, if the lockfile has it. */
function isInLock(packages: Record<string, LockEntry>, location: string, name: string): boolean {
  let base = location;
  for (;;) {
    if (packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
    if (!base) return false;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

export function completeLockfile(lock: { packages: Record<string, LockEntry> }): string[] {
  const added: string[] = [];
  for (const [location, entry] of Object.entries(lock.packages)) {
    for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
      if (isInLock(lock.packages, location, name)) continue;
      const platform = platformOf(name);
      if (!platform || !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
        console.warn(
          `left out ${name}@${spec} (needed by ${location || 'the project'}): not an exact platform package`,
        );
        continue;
      }
      lock.packages[`node_modules/${name}`] = {
        version: spec,
        ...(entry.dev && { dev: true }),
        optional: true,
        os: [platform.os],
        cpu: [platform.cpu],
        ...(platform.libc && { libc: [platform.libc] }),
      };
      added.push(`${name}@${spec}`);
    }
  }
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return added;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = fileURLToPath(new URL('../package-lock.json', import.meta.url));
  const lock = JSON.parse(readFileSync(file, 'utf8')) as { packages: Record<string, LockEntry> };
  const added = completeLockfile(lock);
  writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(added.length > 0 ? `added to package-lock.json: ${added.join(', ')}` : 'package-lock.json is complete');
}
