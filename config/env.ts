/** The process environment, parsed and validated once; nothing else in the project reads `process.env`. */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const projectRoot = fileURLToPath(new URL('..', import.meta.url));

const port = z.coerce.number().int().min(1).max(65535);

/** Every variable the processes read: the Helm chart sets no other (test/cluster/helm-chart.test.ts). */
export const EnvSchema = z.object({
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
  /** TLS to Temporal (Cloud, or self-hosted with mTLS): a CA to trust, a client certificate and key. */
  TEMPORAL_TLS: z.enum(['true', 'false']).default('false'),
  TEMPORAL_TLS_CA_FILE: z.string().optional(),
  TEMPORAL_TLS_CERT_FILE: z.string().optional(),
  TEMPORAL_TLS_KEY_FILE: z.string().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
  /** Temporal Cloud API key authentication, instead of (or beside) a client certificate. */
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('pushprov-enrollments'),
  TEMPORAL_UI_PORT: port.default(8233),
  /** The dev server's SQLite commits: `normal` (WAL, no wait for the disk) or `full` (see stack/temporal-dev-server.ts). */
  TEMPORAL_DEV_DURABILITY: z.enum(['normal', 'full']).default('normal'),
  API_HOST: z.string().default('127.0.0.1'),
  API_PORT: port.default(3000),
  /** Demos and browser tests only: enrollments consider their receipts expired after this many seconds. */
  PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO: z.coerce.number().int().min(1).max(900).optional(),
  /** Requests per minute per authenticated customer, and per address for the routes without authentication. */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /**
   * Behind a reverse proxy: which proxies to trust for the caller's address (X-Forwarded-For), as Fastify's
   * trustProxy takes it: `true` (any), or their addresses and CIDRs separated by commas. Unset: none.
   */
  API_TRUST_PROXY: z
    .string()
    .transform((value): boolean | string => (value === 'true' ? true : value === 'false' ? false : value))
    .optional(),
  /** Failed authentications (bearer tokens, network signatures) per minute per address before it is refused. */
  API_FAILED_AUTH_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** The issuer's identity provider, whose bearer tokens name the customer (a local one in development). */
  IDP_ISSUER: z.string().min(1).optional(),
  IDP_AUDIENCE: z.string().min(1).default('pushprov-api'),
  /** The operator API's audience at the same identity provider: an operator's token, with its roles claim. */
  IDP_OPERATOR_AUDIENCE: z.string().min(1).default('pushprov-operator-api'),
  IDP_JWKS_URL: z.url().optional(),
  IDP_JWKS_FILE: z.string().optional(),
  /** Where the worker serves its Prometheus metrics (the Temporal runtime's, and the engine's own). */
  WORKER_METRICS_ADDRESS: z
    .string()
    .regex(/^[\w.-]+:\d+$/, 'expected host:port')
    .default('127.0.0.1:9464'),
  /**
   * OpenTelemetry tracing, exported by OTLP over HTTP: on when either endpoint is set, off (nothing installed)
   * otherwise. The traces endpoint is used as it is; the general one gets `/v1/traces` appended. The service
   * name replaces each process's own (pushprov-api, pushprov-worker, pushprov-sandbox).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
  /** The codec server the Web UI decodes payloads with. */
  CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  CODEC_SERVER_PORT: port.default(8234),
  /** Operator tokens (comma-separated); in development one is generated in the key folder. */
  CODEC_OPERATOR_TOKENS: z.string().optional(),
  /** Origins of the Web UI allowed to call it (comma-separated); the local UI's by default. */
  CODEC_ALLOWED_ORIGINS: z.string().optional(),
  /** Where operators open a workflow (the API links each enrollment there). */
  TEMPORAL_UI_URL: z.url().optional(),
  /** Local state of `npm start`: database files, Temporal's SQLite file. Ignored by git. */
  PUSHPROV_DATA_DIR: z.string().default(path.join(projectRoot, '.data')),
  /** Built toolchain (Temporal CLI, test server), shared by every clone of this user. */
  PUSHPROV_CACHE_DIR: z.string().optional(),
  /** The Chromium the browser tests drive (Debian's package by default; Ubuntu's snap is /snap/bin/chromium). */
  CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
  /** Key material (issuer signing keys, ...); generated at first start except in production. */
  PUSHPROV_KEYS_DIR: z.string().optional(),
  /**
   * Where the issuer's keys live: `file` (PUSHPROV_KEYS_DIR, the default) or `pkcs11`, an HSM's token (the vault,
   * payload and signing keys, and the private keys facing the networks; see README "Keys in an HSM").
   */
  PUSHPROV_KEY_STORE: z.enum(['file', 'pkcs11']).default('file'),
  /** The HSM vendor's PKCS#11 library, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  PKCS11_MODULE: z.string().optional(),
  PKCS11_TOKEN_LABEL: z.string().min(1).max(32).optional(),
  /** The user PIN, or else a file holding it (a mounted secret). */
  PKCS11_PIN: z.string().optional(),
  PKCS11_PIN_FILE: z.string().optional(),
  /**
   * RSA-OAEP in the token (`token`, the default), or the raw RSA operation in the token and the OAEP padding
   * removed by the engine (`engine`): for tokens such as SoftHSM2 2.6 whose OAEP takes only SHA-1.
   */
  PKCS11_RSA_OAEP: z.enum(['token', 'engine']).default('token'),
  /** Create missing issuer keys at start (the default except with NODE_ENV=production, where they are provisioned). */
  PUSHPROV_GENERATE_KEYS: z.enum(['true', 'false']).optional(),
  /** The issuer's tokenisation rules (domain/decisioning/rules.ts); config/decision-rules.json by default. */
  DECISION_RULES_FILE: z.string().optional(),
  /** What the networks handed the issuer (NetworkCredentials), as JSON; or else a file holding it. */
  PUSHPROV_NETWORK_CREDENTIALS: z.string().optional(),
  PUSHPROV_NETWORK_CREDENTIALS_FILE: z.string().optional(),
  /** What the wallets handed the issuer (their roots of trust, token requestor ids), as JSON; or else a file. */
  PUSHPROV_WALLET_CREDENTIALS: z.string().optional(),
  /** By default `wallet-credentials.json` beside the network credentials file (where the sandbox writes it). */
  PUSHPROV_WALLET_CREDENTIALS_FILE: z.string().optional(),
  /** The sandbox networks and token requestors (`npm start`, `npm run sandbox`). */
  SANDBOX_HOST: z.string().default('127.0.0.1'),
  /** The host name the engine and browsers reach the sandbox by, when not SANDBOX_HOST (containers). */
  SANDBOX_ADVERTISED_HOST: z.string().optional(),
  SANDBOX_MDES_PORT: port.default(4010),
  SANDBOX_VTS_PORT: port.default(4020),
  SANDBOX_TR_PORT: port.default(4030),
  SANDBOX_DATA_DIR: z.string().optional(),
  /** The issuer the sandbox calls back; its JWKS and callback paths hang from it unless set apart. */
  SANDBOX_ISSUER_URL: z.url().optional(),
  SANDBOX_ISSUER_JWKS_URL: z.url().optional(),
  SANDBOX_MDES_CALLBACK_URL: z.url().optional(),
  SANDBOX_VTS_CALLBACK_URL: z.url().optional(),
  /**
   * Initial knobs, e.g. {"mdes":{"latencyMs":200},"tokenRequestors":{"tokenRequestors":{"neverComplete":["50110030273"]}}}.
   * Only its JSON is read here: the sandbox checks the knobs against its own schema when it starts
   * (parseStartingKnobs in sandbox/knobs.ts), so that config/ depends on nothing above it.
   */
  SANDBOX_KNOBS: z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'expected JSON' });
        return z.NEVER;
      }
    })
    .optional(),
});

export type Env = Omit<z.infer<typeof EnvSchema>, 'PUSHPROV_GENERATE_KEYS'> & {
  PUSHPROV_GENERATE_KEYS: boolean;
  PUSHPROV_CACHE_DIR: string;
  PUSHPROV_KEYS_DIR: string;
  SANDBOX_DATA_DIR: string;
  SANDBOX_ISSUER_URL: string;
  PUSHPROV_NETWORK_CREDENTIALS_FILE: string;
  DECISION_RULES_FILE: string;
};

export class InvalidEnvironmentError extends Error {
  override name = 'InvalidEnvironmentError';
}

/**
 * The error naming every variable that is wrong. With `variable`, the issues are inside that variable's
 * JSON value, checked by the process that uses it: SANDBOX_KNOBS.mdes.latencyMs.
 */
export function invalidEnvironment(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  variable?: string,
): InvalidEnvironmentError {
  const where = (path: readonly PropertyKey[]): string =>
    [...(variable ? [variable] : []), ...path].map(String).join('.');
  const problems = issues.map((issue) => `  ${where(issue.path)}: ${issue.message}`);
  return new InvalidEnvironmentError(`Invalid environment:\n${problems.join('\n')}`);
}

export function parseEnv(source: NodeJS.ProcessEnv = process.env): Env {
  // `NAME=` (empty) means unset, as in compose files and shell one-liners.
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) throw invalidEnvironment(parsed.error.issues);
  const env = parsed.data;
  const cacheHome = env.XDG_CACHE_HOME ?? path.join(env.HOME, '.cache');
  const dataDir = path.resolve(env.PUSHPROV_DATA_DIR);
  const sandboxDataDir = path.resolve(env.SANDBOX_DATA_DIR ?? path.join(dataDir, 'sandbox'));
  return {
    ...env,
    PUSHPROV_DATA_DIR: dataDir,
    SANDBOX_DATA_DIR: sandboxDataDir,
    PUSHPROV_GENERATE_KEYS: (env.PUSHPROV_GENERATE_KEYS ?? String(env.NODE_ENV !== 'production')) === 'true',
    SANDBOX_ISSUER_URL: env.SANDBOX_ISSUER_URL ?? `http://${env.API_HOST}:${env.API_PORT}`,
    // In development the sandbox writes the issuer's credentials; production provisions its own.
    PUSHPROV_NETWORK_CREDENTIALS_FILE: path.resolve(
      env.PUSHPROV_NETWORK_CREDENTIALS_FILE ?? path.join(sandboxDataDir, 'issuer-credentials.json'),
    ),
    PUSHPROV_KEYS_DIR: path.resolve(env.PUSHPROV_KEYS_DIR ?? path.join(dataDir, 'keys')),
    DECISION_RULES_FILE: path.resolve(
      env.DECISION_RULES_FILE ?? path.join(projectRoot, 'config', 'decision-rules.json'),
    ),
    PUSHPROV_CACHE_DIR: path.resolve(env.PUSHPROV_CACHE_DIR ?? path.join(cacheHome, 'pushprov')),
  };
}

/** The environment for a child process: this process's environment with some variables replaced. */
export function childEnv(overrides: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}
