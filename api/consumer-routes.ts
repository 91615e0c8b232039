/**
 * The consumer-facing API under /v1, called by the issuer's app on behalf of a signed-in customer: every
 * call authenticated first, then one module per resource (api/routes/). Every id in a path is checked to
 * belong to the caller: another customer's id is a 404, exactly like an id that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ApiMetrics } from './metrics.js';
import type { FailedAuthenticationGuard } from './rate-limits.js';
import { registerCardCaptureRoutes } from './routes/card-captures.js';
import { registerCardRoutes } from './routes/cards.js';
import { authenticateCustomers, type ConsumerApiDeps } from './routes/consumer-api.js';
import { registerEnrollmentStepRoutes } from './routes/enrollment-steps.js';
import { registerEnrollmentRoutes } from './routes/enrollments.js';
import { registerTokenRequestorRoutes } from './routes/token-requestors.js';
import { registerTokenActivationRoutes } from './routes/token-activation.js';
import { registerTokenRoutes } from './routes/tokens.js';
import { registerWalletProvisioningRoutes } from './routes/wallet-provisioning.js';
import { registerWalletRoutes } from './routes/wallets.js';

export type { ConsumerApiDeps } from './routes/consumer-api.js';
export { requestIdOf } from './routes/enrollments.js';

export async function registerConsumerRoutes(
  app: FastifyInstance,
  deps: ConsumerApiDeps,
  failedAuthentication: FailedAuthenticationGuard,
  metrics?: ApiMetrics,
): Promise<void> {
  await app.register(
    (scope, _options, done) => {
      authenticateCustomers(scope, deps.auth, failedAuthentication);
      const context = { api: scope.withTypeProvider<ZodTypeProvider>(), deps, ...(metrics && { metrics }) };
      for (const register of [
        registerCardRoutes,
        registerTokenRequestorRoutes,
        registerCardCaptureRoutes,
        registerEnrollmentRoutes,
        registerEnrollmentStepRoutes,
        registerTokenRoutes,
        registerTokenActivationRoutes,
        registerWalletProvisioningRoutes,
        registerWalletRoutes,
      ]) {
        register(context);
      }
      done();
    },
    { prefix: '/v1' },
  );
}
