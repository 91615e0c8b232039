/** The customer's cards on file, masked, and the token requestors that take each of them. */
import { z } from 'zod';
import type { CachedTokenRequestor } from '../../activities/token-requestors/token-requestor-cache.js';
import { captureMethods } from '../../domain/enrollment.js';
import { problemResponses, sendProblem } from '../problem.js';
import {
  cardNetwork,
  consumerProblems,
  notFound,
  pushMethod,
  uuid,
  type ConsumerRouteContext,
} from './consumer-api.js';
import { publicRequestors, TokenRequestorList } from './token-requestors.js';

const CardList = z.object({
  cards: z.array(
    z.object({
      id: z.string(),
      maskedPan: z.string(),
      network: cardNetwork,
      domesticScheme: z.string().optional(),
      expiry: z.string().meta({ description: 'MM/YY' }),
      source: z.enum(captureMethods),
    }),
  ),
});

export function registerCardRoutes({ api, deps }: ConsumerRouteContext): void {
  api.get(
    '/cards',
    {
      schema: {
        summary: "The customer's cards, masked",
        tags: ['cards'],
        response: { 200: CardList, ...consumerProblems },
      },
    },
    async (request) => ({
      cards: (await deps.vault.cardsOf(request.customerId)).map((card) => ({
        id: card.cardRef,
        maskedPan: card.maskedPan,
        network: card.network,
        ...(card.domesticScheme && { domesticScheme: card.domesticScheme }),
        expiry: `${String(card.expiryMonth).padStart(2, '0')}/${String(card.expiryYear % 100).padStart(2, '0')}`,
        source: card.source,
      })),
    }),
  );

  api.get(
    '/cards/:id/token-requestors',
    {
      schema: {
        summary: 'The wallets and merchants that take this card from this platform',
        tags: ['cards'],
        params: z.strictObject({ id: uuid }),
        querystring: z.strictObject({ pushMethod }),
        response: { 200: TokenRequestorList, ...consumerProblems, ...problemResponses(404) },
      },
    },
    async (request, reply) => {
      const card = await deps.vault.cardOf(request.customerId, request.params.id);
      if (!card) return notFound(reply, 'card', request.params.id);
      let requestors: CachedTokenRequestor[];
      try {
        requestors = await deps.tokenRequestors.takingCard(card);
      } catch (error) {
        request.log.warn({ network: card.network, err: error }, 'token requestor list unavailable');
        return sendProblem(reply, 503, 'Network unavailable', 'The card network cannot list its token requestors now', {
          'retry-after': '30',
        });
      }
      return publicRequestors(requestors, request.query.pushMethod);
    },
  );
}
