/**
 * The networks' calls to the issuer during tokenisation, for every network of the registry: `authorizeService`
 * (the issuer decides from the enrollment's state, found by the receipt or by the card itself:
 * callback-correlation.ts) and `notifyTokenUpdated` (the token's state goes to the waiting enrollment, or
 * straight to the inventory once the enrollment is over). Each network's paths, verification, schemas
 * and envelopes are its descriptor's (activities/networks/<network>/callbacks.ts); the routes are
 * network-callback-routes.ts. Every call is verified over the exact bytes received; every refusal is a 4xx
 * in the network's own envelope and names nothing the caller sent.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { NetworkCredentials } from '../activities/keys/network-credentials.js';
import type { MacKey } from '../activities/keys/key-handles.js';
import type { ReportedToken } from '../activities/networks/callback-descriptor.js';
import type { ClaimSingleUse } from '../activities/networks/issuer-callbacks.js';
import { engineNetworks, type NetworkRegistry } from '../activities/networks/registry.js';
import { tokenUpdatedSignal } from '../domain/messages.js';
import { singleUseClaimer } from '../db/replay-guard.js';
import { recordTokenStatus } from '../db/token-inventory.js';
import type { DecisionRules } from '../domain/decisioning/rules.js';
import type { KeptReceipt } from '../db/push-receipts.js';
import type { CardNetwork } from '../domain/enrollment.js';
import { inEnrollmentTrace } from '../observability/enrollment-trace.js';
import { decideTokenisation, receiptOfReportedToken, traceOf } from './callback-correlation.js';
import { recordDecidedToken, startTokenActivation, tellActivation } from './token-activation-start.js';
import type { DecisioningDeps } from './tokenisation-decisioning.js';
import type { ApiMetrics } from './metrics.js';
import { registerCallbackRoutes, type CallbackHandlers } from './network-callback-routes.js';
import type { FailedAuthenticationGuard } from './rate-limits.js';

export interface NetworkCallbackDeps {
  credentials: NetworkCredentials;
  pool: Pool;
  temporal: Client;
  /** The vault's fingerprint keys (VaultKeys.fingerprintKeys): a wallet's tokenisation names its card by number. */
  fingerprintKeys: readonly MacKey[];
  /** The networks whose calls are taken; by default the engine's (activities/networks/registry.ts). */
  networks?: NetworkRegistry;
  /** The issuer's tokenisation rules (api/decision-rules-file.ts). */
  rules: DecisionRules;
  /** Where a YELLOW token's activation workflow runs. */
  taskQueue: string;
}

export async function registerNetworkCallbacks(
  app: FastifyInstance,
  deps: NetworkCallbackDeps,
  failedAuthentication: FailedAuthenticationGuard,
  metrics?: ApiMetrics,
): Promise<void> {
  const claim: ClaimSingleUse = singleUseClaimer(deps.pool, 'network-callback');
  const registry = deps.networks ?? engineNetworks(deps.credentials);
  const warn = (details: object, message: string) => app.log.warn(details, message);
  const decisioning: DecisioningDeps = {
    pool: deps.pool,
    rules: deps.rules,
    warn,
    startActivation: (input) => startTokenActivation(deps.temporal, deps.taskQueue, input),
    ...(metrics && {
      decided: ({ network, outcome, failSafe, latencyMs }) =>
        metrics.tokenisationDecisions.observe({ network, outcome, fail_safe: String(failSafe) }, latencyMs / 1000),
    }),
  };
  const correlation = { ...deps, decisioning, warn };

  const handlers: CallbackHandlers = {
    open: (callbacks, call) => callbacks.open(call, deps.credentials, claim),

    decide: (network, asked) => decideTokenisation(correlation, network, registry.of(network).callbacks, asked),

    /** To the token's activation if one waits for it, and to its enrollment (or the inventory). */
    async deliver(network, token) {
      if (token.tokenUniqueReference !== undefined) {
        await tellActivation(deps.temporal, network, token.tokenUniqueReference, token.status);
      }
      const found = await receiptOfReportedToken(deps.pool, network, token);
      if (!found) {
        await recordDecidedToken(deps.pool, network, token);
        return;
      }
      // In the enrollment's trace: a child of its root, linked to this request's span (enrollment-trace.ts).
      await inEnrollmentTrace(traceOf(deps), found.enrollmentId, 'network callback notifyTokenUpdated', () =>
        deliverToEnrollment(network, token, found),
      );
    },
  };

  /** To the enrollment while it is open; straight to the inventory once it has ended. */
  async function deliverToEnrollment(network: CardNetwork, token: ReportedToken, found: KeptReceipt): Promise<void> {
    try {
      await deps.temporal.workflow
        .getHandle(found.enrollmentId)
        .signal(tokenUpdatedSignal, { network, ...withoutReason(token), receipt: found.receipt });
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // The enrollment has ended: the token goes into the inventory directly (a late ACTIVE, a later
    // suspension), its card and customer known from the receipt; an older status never wins. A token the
    // network did not name cannot be kept there.
    if (token.tokenUniqueReference === undefined) return;
    await recordTokenStatus(deps.pool, {
      network,
      tokenUniqueReference: token.tokenUniqueReference,
      customerId: found.customerId,
      cardRef: found.cardRef,
      tokenRequestorId: found.tokenRequestorId,
      enrollmentId: found.enrollmentId,
      status: token.status,
      statusTimestamp: token.statusTimestamp,
      ...(token.reason !== undefined && { reason: token.reason }),
    });
  }

  for (const network of registry.all) {
    await registerCallbackRoutes(app, network.id, network.callbacks, handlers, failedAuthentication, metrics);
  }
}

/** An update for the enrollment: the network's reason for a status is the inventory's and the events' only. */
function withoutReason(token: ReportedToken): Omit<ReportedToken, 'reason'> {
  const update = { ...token };
  delete update.reason;
  return update;
}
