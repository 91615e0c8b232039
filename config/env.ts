/** The process environment, parsed and validated once; nothing else in the project reads `process.env`. */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

const port = z.coerce.number().int().min(1).max(65535);

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
  HOME: z.string().default(homedir()),
  XDG_CACHE_HOME: z.string().optional(),
  /** An external PostgreSQL; when unset, `npm start` and the tests run an embedded server. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  /** A Temporal frontend; when nothing answers there, `npm start` starts a dev server on it. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'expected host:port, e.g. 127.0.0.1:7233')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('pushprov-enrollments'),
  TEMPORAL_UI_PORT: port.default(8233),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** Local state of `npm start`: database files, Temporal's SQLite file. Ignored by git. */
  PUSHPROV_DATA_DIR: z.string().default(path.join(projectRoot, '.data')),
  /** Built toolchain (Temporal CLI, test server), shared by every clone of this user. */
  PUSHPROV_CACHE_DIR: z.string().optional(),
  /** Key material (issuer signing keys, ...); generated at first start except in production. */
  PUSHPROV_KEYS_DIR: z.string().optional(),
});

export type Env = z.infer<typeof EnvSchema> & { PUSHPROV_CACHE_DIR: string; PUSHPROV_KEYS_DIR: string };

export class InvalidEnvironmentError extends Error {
  override name = 'InvalidEnvironmentError';
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // `NAME=` (empty) means unset, as in compose files and shell one-liners.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new InvalidEnvironmentError(`Invalid environment:\n${problems.join('\n')}`);
  }
  const env = parsed.data;
  const cacheHome = env.XDG_CACHE_HOME ?? path.join(env.HOME, '.cache');
  const dataDir = path.resolve(env.PUSHPROV_DATA_DIR);
  return {
    ...env,
    PUSHPROV_DATA_DIR: dataDir,
    PUSHPROV_KEYS_DIR: path.resolve(env.PUSHPROV_KEYS_DIR ?? path.join(dataDir, 'keys')),
    PUSHPROV_CACHE_DIR: path.resolve(env.PUSHPROV_CACHE_DIR ?? path.join(cacheHome, 'pushprov')),
  };
}

/** The environment for a child process: this process's environment with some variables replaced. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
