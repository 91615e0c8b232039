/** The issuer's look-ups: the token requestors that take its account ranges, and their logos (assets). */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  MdesEligibleTokenRequestorsRequest,
  mdesGatewayError,
  mdesInputErrors,
  type MdesAssetResponse,
  type MdesEligibleTokenRequestorsResponse,
} from '../../activities/networks/mdes/schemas.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import { availablePushMethods, findByAsset, tokenRequestors } from '../token-requestors/catalogue.js';
import { logoMediaContents } from '../token-requestors/logos.js';
import type { MdesAuthentication } from './authentication.js';
import { businessErrors } from './errors.js';
import { mdesPaths } from './paths.js';

export function registerConnectRoutes(
  app: FastifyInstance,
  { authenticate }: MdesAuthentication,
  options: NetworkSandboxOptions,
): void {
  app.post(mdesPaths.getEligibleTokenRequestors, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const parsed = MdesEligibleTokenRequestorsRequest.safeParse(request.body);
    if (!parsed.success) return businessErrors(mdesInputErrors(parsed.error));
    const ranges = parsed.data.accountRanges.map((range) => range.padEnd(19, '0'));
    return {
      responseId: randomUUID(),
      tokenRequestors: tokenRequestors
        .filter((profile) =>
          ranges.some((range) => profile.enabledAccountRanges.some((prefix) => range.startsWith(prefix))),
        )
        .map((profile) => ({
          tokenRequestorId: profile.tokenRequestorId,
          name: profile.name,
          consumerFacingEntityName: profile.consumerFacingEntityName,
          imageAssetId: profile.imageAssetId,
          tokenRequestorType: profile.tokenRequestorType,
          ...(profile.walletId && { walletId: profile.walletId }),
          enabledAccountRanges: ranges.filter((range) =>
            profile.enabledAccountRanges.some((prefix) => range.startsWith(prefix)),
          ),
          supportedPushMethods: profile.supportedPushMethods,
          availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
          supportsMultiplePushedCards: profile.supportsMultiplePushedCards,
          supportedAccountHolderData: profile.supportedAccountHolderData,
          supportsCardHolderAuthentication: profile.supportsCardHolderAuthentication,
          supportIssuerInitiatedDigitizationData: profile.supportIssuerInitiatedDigitizationData,
        })),
    } satisfies z.input<typeof MdesEligibleTokenRequestorsResponse>;
  });

  app.get(mdesPaths.asset, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    const profile = findByAsset((request.params as { assetId: string }).assetId);
    if (!profile) return reply.code(404).send(mdesGatewayError(404, 'NOT_FOUND', 'No asset with this id'));
    // An asset id never changes content: cache it forever.
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send({ mediaContents: logoMediaContents(profile) } satisfies z.input<typeof MdesAssetResponse>);
  });
}
