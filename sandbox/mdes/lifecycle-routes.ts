/**
 * MDES's token customer service calls from the issuer (`/mdes/csapi/v2/token/{activate|suspend|unsuspend|delete}`,
 * activities/networks/mdes/token-lifecycle.ts has the shapes): OAuth-signed like the issuer's other calls,
 * answered with the token's new status or a business error (TOKEN_NOT_FOUND, INVALID_TOKEN_STATUS).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import {
  mdesLifecycleCalls,
  mdesLifecycleRefusals,
  MdesTokenLifecycleRequest,
} from '../../activities/networks/mdes/token-lifecycle.js';
import { lifecycleOperations } from '../../domain/token-lifecycle.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import { applyTokenLifecycle } from '../network/token-lifecycle.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors, inputError } from './errors.js';
import { mdesInputErrors } from '../../activities/networks/mdes/schemas.js';

export const mdesLifecyclePath = (call: string): string => `/mdes/csapi/v2/token/${call}`;

export function registerLifecycleRoutes(
  app: FastifyInstance,
  deps: { auth: MdesAuthentication; state: NetworkState; ledger: Ledger },
): void {
  for (const operation of lifecycleOperations) {
    app.post(mdesLifecyclePath(mdesLifecycleCalls[operation]), async (request, reply) => {
      if (!(await deps.auth.authenticate(request, reply))) return reply;
      const parsed = MdesTokenLifecycleRequest.safeParse(request.body);
      if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
      const { requestId, tokenUniqueReference, reasonCode } = parsed.data;
      const outcome = applyTokenLifecycle(deps.state, deps.ledger, {
        requestId,
        tokenUniqueReference,
        operation,
        reason: reasonCode,
      });
      if ('refused' in outcome) return inputError(outcome.message, mdesLifecycleRefusals[outcome.refused]);
      const { token } = outcome;
      return {
        responseId: randomUUID(),
        tokens: [{ tokenUniqueReference, status: token.status, statusTimestamp: token.statusTimestamp }],
      };
    });
  }
}
