/** The customer's tokens: where each of their cards lives, and the token's status as the network last said. */
import { z } from 'zod';
import { tokensOf } from '../../db/token-inventory.js';
import { cardNetwork, consumerProblems, type ConsumerRouteContext } from './consumer-api.js';

const TokenList = z.object({
  tokens: z.array(
    z.object({
      tokenUniqueReference: z.string(),
      network: cardNetwork,
      tokenRequestorId: z.string(),
      tokenRequestorName: z.string().optional(),
      status: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
      statusTimestamp: z.string(),
      card: z.object({ id: z.string(), maskedPan: z.string() }),
    }),
  ),
});

export function registerTokenRoutes({ api, deps }: ConsumerRouteContext): void {
  api.get(
    '/tokens',
    {
      schema: {
        summary: "The customer's tokens: where each card lives",
        tags: ['tokens'],
        response: { 200: TokenList, ...consumerProblems },
      },
    },
    async (request) => ({
      tokens: (await tokensOf(deps.pool, request.customerId)).map((token) => ({
        tokenUniqueReference: token.tokenUniqueReference,
        network: token.network,
        tokenRequestorId: token.tokenRequestorId,
        ...(token.tokenRequestorName && { tokenRequestorName: token.tokenRequestorName }),
        status: token.status,
        statusTimestamp: token.statusTimestamp.toISOString(),
        card: { id: token.card.cardRef, maskedPan: token.card.maskedPan },
      })),
    }),
  );
}
