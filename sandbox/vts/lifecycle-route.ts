/**
 * Visa's lifecycle call from the issuer (`/vtis/v1/tokenRequestors/{trid}/tokens/{tokenReferenceID}/lifecycle`,
 * activities/networks/vts/token-lifecycle.ts has the shapes): authenticated like the issuer's other calls,
 * answered with the token's new status, or refused in Visa's envelope (404 VSE40003 not found, 400
 * VSE40011 not in a status the operation starts from).
 */
import type { FastifyInstance } from 'fastify';
import { vtsLifecycleRoute } from '../../activities/networks/vts/client.js';
import { vtsLifecycleRefusals, VtsTokenLifecycleRequest } from '../../activities/networks/vts/token-lifecycle.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import { applyTokenLifecycle } from '../network/token-lifecycle.js';
import type { VtsAuthentication } from './authentication.js';
import { parameterError, visaError } from './errors.js';

export function registerLifecycleRoute(
  app: FastifyInstance,
  deps: { auth: VtsAuthentication; state: NetworkState; ledger: Ledger },
): void {
  app.post(vtsLifecycleRoute, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const parsed = VtsTokenLifecycleRequest.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send(parameterError(parsed.error));
    const { tokenRequestorId, tokenReferenceId } = request.params as {
      tokenRequestorId: string;
      tokenReferenceId: string;
    };
    const requestId = request.headers['x-request-id'];
    const outcome = applyTokenLifecycle(deps.state, deps.ledger, {
      ...(typeof requestId === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(requestId) && { requestId }),
      tokenUniqueReference: tokenReferenceId,
      tokenRequestorId,
      operation: parsed.data.operationType,
      reason: parsed.data.operationReason,
    });
    if ('refused' in outcome) {
      const status = outcome.refused === 'TOKEN_NOT_FOUND' ? 404 : 400;
      return reply.code(status).send(visaError(status, vtsLifecycleRefusals[outcome.refused], outcome.message));
    }
    return { tokenReferenceID: tokenReferenceId, status: outcome.token.status };
  });
}
