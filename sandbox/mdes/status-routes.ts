/**
 * MDES's token search from the issuer (`/mdes/csapi/v2/search`, activities/networks/mdes/token-status.ts has
 * the shapes): OAuth-signed like the issuer's other calls, answered with the token's account and current
 * status code, or with no account when MDES holds no such token; a malformed search is a business error.
 */
import type { FastifyInstance } from 'fastify';
import { mdesOperations } from '../../activities/networks/mdes/client.js';
import { mdesInputErrors } from '../../activities/networks/mdes/schemas.js';
import {
  mdesStatusCodes,
  MdesSearchRequest,
  type MdesSearchResponse,
} from '../../activities/networks/mdes/token-status.js';
import type { z } from 'zod';
import type { Ledger } from '../network/ledger.js';
import type { NetworkState } from '../network/network-state.js';
import { inquireTokenStatus } from '../network/token-status.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors } from './errors.js';

export function registerStatusRoutes(
  app: FastifyInstance,
  deps: { auth: MdesAuthentication; state: NetworkState; ledger: Ledger },
): void {
  app.post(mdesOperations.search, async (request, reply) => {
    if (!(await deps.auth.authenticate(request, reply))) return reply;
    const parsed = MdesSearchRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const { TokenUniqueReference, AuditInfo } = parsed.data.SearchRequest;
    const token = inquireTokenStatus(deps.state, deps.ledger, {
      tokenUniqueReference: TokenUniqueReference,
      requestedBy: AuditInfo.UserId,
    });
    const accounts: z.input<typeof MdesSearchResponse>['SearchResponse']['Accounts']['Account'] = token
      ? [
          {
            Tokens: {
              Token: [
                {
                  TokenUniqueReference,
                  TokenRequestorId: token.tokenRequestorId,
                  CurrentStatusCode: mdesStatusCodes[token.status],
                  CurrentStatusDescription: token.status,
                },
              ],
            },
          },
        ]
      : [];
    return { SearchResponse: { Accounts: { Account: accounts } } };
  });
}
