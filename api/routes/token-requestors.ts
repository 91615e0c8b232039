/**
 * Token requestors (wallets and merchants) as the consumer's app shows them: a network's list for a
 * platform (for a card not yet in the vault), and their logos as cached from the network.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { CachedTokenRequestor } from '../../activities/token-requestors/token-requestor-cache.js';
import type { PushMethod } from '../../domain/enrollment.js';
import { problemResponses } from '../problem.js';
import { cardNetwork, consumerProblems, notFound, pushMethod, type ConsumerRouteContext } from './consumer-api.js';

const PublicTokenRequestor = z.object({
  id: z.string(),
  name: z.string(),
  consumerFacingEntityName: z.string(),
  type: z.enum(['WALLET', 'MERCHANT']),
  supportsMultipleCards: z.boolean(),
  logo: z.object({ svg: z.string(), png: z.string() }),
});

export const TokenRequestorList = z.object({ tokenRequestors: z.array(PublicTokenRequestor) });

/** The token requestors of a list that take this push method, as the consumer's app shows them. */
export function publicRequestors(
  requestors: CachedTokenRequestor[],
  method: PushMethod,
): z.infer<typeof TokenRequestorList> {
  return {
    tokenRequestors: requestors
      .filter((requestor) => requestor.pushMethods.some((offered) => offered.type === method))
      .map((requestor) => ({
        id: requestor.tokenRequestorId,
        name: requestor.name,
        consumerFacingEntityName: requestor.consumerFacingEntityName,
        type: requestor.tokenRequestorType,
        supportsMultipleCards: requestor.supportsMultiplePushedCards,
        logo: {
          svg: `/v1/token-requestor-logos/${requestor.imageAssetId}.svg`,
          png: `/v1/token-requestor-logos/${requestor.imageAssetId}.png`,
        },
      })),
  };
}

const logoFile = z.string().regex(/^[\w-]{1,64}\.(svg|png)$/, 'must be <asset id>.svg or .png');

export function registerTokenRequestorRoutes({ api, deps }: ConsumerRouteContext): void {
  api.get(
    '/token-requestors',
    {
      schema: {
        summary: "A network's wallets and shops reachable from a platform (for a card not yet in the vault)",
        tags: ['cards'],
        querystring: z.strictObject({ network: cardNetwork, pushMethod }),
        response: { 200: TokenRequestorList, ...consumerProblems },
      },
    },
    async (request) =>
      publicRequestors(await deps.tokenRequestors.list(request.query.network), request.query.pushMethod),
  );

  api.get(
    '/token-requestor-logos/:file',
    {
      schema: {
        summary: "A token requestor's logo, as cached from the network",
        tags: ['cards'],
        params: z.strictObject({ file: logoFile }),
        response: {
          200: {
            description: 'The logo',
            content: {
              'image/svg+xml': { schema: z.string().meta({ format: 'binary' }) },
              'image/png': { schema: z.string().meta({ format: 'binary' }) },
            },
          },
          ...consumerProblems,
          ...problemResponses(404),
        },
      },
    },
    async (request, reply) => {
      const [assetId, extension] = request.params.file.split('.') as [string, 'svg' | 'png'];
      const media = await deps.tokenRequestors.asset(assetId);
      const type = extension === 'svg' ? 'image/svg+xml' : 'image/png';
      const content = media?.find((item) => item.type === type);
      if (!content) return notFound(reply, 'logo', request.params.file);
      // An asset id never changes content. The bytes leave as they are (a buffer is never serialized).
      return (reply as FastifyReply)
        .type(type)
        .header('cache-control', 'private, max-age=31536000, immutable')
        .send(Buffer.from(content.data, 'base64'));
    },
  );
}
