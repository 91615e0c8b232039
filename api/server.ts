/** Process entry: the API server, with its PostgreSQL pool and Temporal client, until SIGINT / SIGTERM. */
import { OperatorAuthenticator } from './operator-auth.js';
import path from 'node:path';
import { createLocalJWKSet } from 'jose';
import { loadDecisionRules } from './decision-rules-file.js';
import { parseEnv } from '../config/env.js';
import { DevInboxWaits } from '../db/dev-inbox.js';
import { pingDatabase } from '../db/pool.js';
import { drainAndClose } from '../lifecycle/http-draining.js';
import { drainDeadlineMs, reportReady, stopOnSignalOrOrphaned } from '../lifecycle/supervisor-link.js';
import { checkTemporalServing } from '../lifecycle/temporal-health.js';
import { connectTemporalClient, openProcessServices } from '../services/engine-services.js';
import { signAuthenticationProof } from '../activities/crypto/authentication-proof.js';
import { sessionAssertionAudience } from '../activities/enrollment/session-assertion.js';
import { walletRegistry } from '../activities/wallets/registry.js';
import { buildApp } from './app.js';
import { seedDemoCustomers } from './demo-customers.js';
import {
  CallerAuthenticator,
  DevIdentityProvider,
  devIdentityProviderIssuer,
  identityProviderKeys,
} from './caller-auth.js';
import { apiLoggerOptions } from './logging.js';
import { tracedClient } from '../observability/temporal-tracing.js';
import { tracingFromEnv } from '../observability/tracing.js';
import { sealClearWebhookSecrets } from '../activities/webhooks/webhook-secret-seal.js';
import { customersEnrollmentTrace } from '../db/enrollments.js';

const env = parseEnv();
const fail = (message: string): never => {
  console.error(message);
  process.exit(1);
};
const development = env.NODE_ENV !== 'production';
if (!development && env.PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO) {
  fail('PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO is for demos and tests; it is refused with NODE_ENV=production.');
}
if (!development && !(env.IDP_ISSUER && (env.IDP_JWKS_URL || env.IDP_JWKS_FILE))) {
  fail('In production the API needs its identity provider: IDP_ISSUER and IDP_JWKS_URL (or IDP_JWKS_FILE).');
}
// Before anything is opened: rules that cannot be used stop the start, naming the rule.
const decisionRules = (() => {
  try {
    return loadDecisionRules(env.DECISION_RULES_FILE);
  } catch (error) {
    return fail(`The API cannot start: ${error instanceof Error ? error.message : String(error)}`);
  }
})();

// Only with an OTLP endpoint configured; otherwise no hook, no interceptor.
const tracing = tracingFromEnv(env, 'pushprov-api');

const services = await openProcessServices(env, 'pushprov-api').catch((error: unknown) =>
  fail(`The API cannot start: ${error instanceof Error ? error.message : String(error)}`),
);
const { pool, keys, vault, tokenRequestors } = services;

// Without a configured identity provider, development runs its own (its keys beside the others).
const devIdentity =
  development && !env.IDP_ISSUER
    ? await DevIdentityProvider.open(path.join(env.PUSHPROV_KEYS_DIR, 'dev-idp'))
    : undefined;
const identityKeys = devIdentity
  ? createLocalJWKSet(devIdentity.jwks())
  : await identityProviderKeys({
      ...(env.IDP_JWKS_URL && { jwksUrl: env.IDP_JWKS_URL }),
      ...(env.IDP_JWKS_FILE && { jwksFile: env.IDP_JWKS_FILE }),
    });
const identityIssuer = env.IDP_ISSUER ?? devIdentityProviderIssuer;
const auth = new CallerAuthenticator({ issuer: identityIssuer, audience: env.IDP_AUDIENCE, keys: identityKeys });
const operatorAuth = new OperatorAuthenticator(
  new CallerAuthenticator({ issuer: identityIssuer, audience: env.IDP_OPERATOR_AUDIENCE, keys: identityKeys }),
);

const { connection, client } = await connectTemporalClient(services);
const temporal = tracing ? tracedClient(client, tracing) : client;
// The dev inbox's long polls share one LISTEN connection (opened by the first of them).
const devInboxWaits =
  devIdentity && env.DATABASE_URL
    ? new DevInboxWaits(pool, { connectionString: env.DATABASE_URL, maxWaiters: 1_000 })
    : undefined;
if (devIdentity) await seedDemoCustomers(vault);
const uiUrl = env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`;
const app = await buildApp(
  {
    readinessChecks: {
      postgres: () => pingDatabase(pool),
      temporal: () => checkTemporalServing(connection),
    },
    issuerJwks: () => keys.jwks(),
    consumer: {
      auth,
      pool,
      temporal,
      taskQueue: services.temporal.taskQueue,
      vault,
      tokenRequestors,
      wallets: keys.wallets,
      walletAdapters: walletRegistry(),
      ...(env.PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO && {
        receiptTimerSecondsForDemo: env.PUSHPROV_RECEIPT_TIMER_SECONDS_FOR_DEMO,
      }),
      workflowUiBase: `${uiUrl}/namespaces/${encodeURIComponent(env.TEMPORAL_NAMESPACE)}/workflows`,
    },
    operator: {
      auth: operatorAuth,
      pool,
      temporal,
      taskQueue: services.temporal.taskQueue,
      fingerprintKeys: keys.vault.fingerprintKeys,
      webhookSecretKeys: keys.vault,
      vault,
    },
    callbacks: {
      credentials: keys.networks,
      networks: services.networks,
      pool,
      temporal,
      fingerprintKeys: keys.vault.fingerprintKeys,
      rules: decisionRules,
      taskQueue: services.temporal.taskQueue,
    },
    ...(devIdentity && {
      devIdentity: {
        provider: devIdentity,
        audience: env.IDP_AUDIENCE,
        operatorAudience: env.IDP_OPERATOR_AUDIENCE,
      },
      devSessionAssertion: async (customerId: string) =>
        (
          await signAuthenticationProof(keys.signing, {
            issuer: keys.networks.issuerId,
            subject: customerId,
            audience: sessionAssertionAudience,
            methods: ['pin', 'mfa'],
          })
        ).token,
    }),
    ...(devInboxWaits && {
      devInbox: async (customerId: string, wait: { waitSeconds: number; after?: Date }) =>
        (await devInboxWaits.latest(customerId, wait)).map(({ message, sentAt }) => ({
          message,
          sentAt: sentAt.toISOString(),
        })),
    }),
    webPages: true,
    rateLimitPerMinute: env.API_RATE_LIMIT_PER_MINUTE,
    failedAuthenticationsPerMinute: env.API_FAILED_AUTH_LIMIT_PER_MINUTE,
    ...(tracing && {
      tracing: { enrollmentTrace: customersEnrollmentTrace(pool) },
    }),
  },
  {
    logger: apiLoggerOptions(env.LOG_LEVEL),
    ...(env.API_TRUST_PROXY !== undefined && { trustProxy: env.API_TRUST_PROXY }),
  },
);

// Webhook signing secrets stored in clear before they were sealed at rest are sealed now (idempotent; two
// APIs starting at once each lock a row before sealing it).
const sealedSecrets = await sealClearWebhookSecrets(pool, keys.vault);
if (sealedSecrets > 0) app.log.info(`sealed the webhook signing secrets of ${sealedSecrets} subscriptions`);

// Requests under way finish, new ones get 503 until then; Temporal and PostgreSQL are closed after them.
const shutdown = stopOnSignalOrOrphaned(async () => {
  // Readers waiting on the dev inbox answer now, so that the drain does not wait out their long polls.
  await devInboxWaits?.close();
  await drainAndClose(app, drainDeadlineMs, (line) => app.log.warn(line));
  await connection.close();
  await services.close();
  await tracing?.shutdown(); // the spans still buffered are exported
});

try {
  const address = await app.listen({ host: env.API_HOST, port: env.API_PORT });
  reportReady({ type: 'ready', url: address });
} catch (error) {
  const reason =
    (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use (set API_PORT)' : String(error);
  console.error(`The API cannot listen on ${env.API_HOST}:${env.API_PORT}: ${reason}`);
  await shutdown.stop();
  process.exitCode = 1;
}
