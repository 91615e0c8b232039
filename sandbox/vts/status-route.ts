/**
 * Visa's token inquiry from the issuer (`/vtis/v1/tokenRequestors/{trid}/tokens/{tokenReferenceID}/details`,
 * activities/networks/vts/token-status.ts has the shapes): authenticated like the issuer's other calls,
 * answered with the token's status, or refused in Visa's envelope (404 VSE40003) when Visa holds no such
 * token for that token requestor.
 */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { vtsTokenDetailsRoute } from '../../activities/networks/vts/client.js';
import { vtsTokenNotFound, type VtsTokenDetailsResponse } from '../../activities/networks/vts/token-status.js';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import { inquireTokenStatus } from '../network/token-status.js';
import type { VtsAuthentication } from './authentication.js';
import { visaError } from './errors.js';

export function registerStatusRoute(
  app: FastifyInstance,
  deps: { auth: VtsAuthentication; state: NetworkState; ledger: Ledger },
): void {
  app.get(vtsTokenDetailsRoute, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const { tokenRequestorId, tokenReferenceId } = request.params as {
      tokenRequestorId: string;
      tokenReferenceId: string;
    };
    const token = inquireTokenStatus(deps.state, deps.ledger, {
      tokenUniqueReference: tokenReferenceId,
      tokenRequestorId,
    });
    if (!token) return reply.code(404).send(visaError(404, vtsTokenNotFound, 'The token is not found'));
    const answer: z.input<typeof VtsTokenDetailsResponse> = {
      tokenInfo: { tokenReferenceID: tokenReferenceId, tokenRequestorID: tokenRequestorId, tokenStatus: token.status },
    };
    return answer;
  });
}
