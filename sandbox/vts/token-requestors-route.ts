/** The token requestors Visa lists to the issuer: those enabled for Visa's ranges. */
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { VtsTokenRequestorsResponse } from '../../activities/networks/vts/schemas.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import { availablePushMethods, tokenRequestors } from '../token-requestors/catalogue.js';
import type { VtsAuthentication } from './authentication.js';
import { vtsPaths } from './paths.js';

export function registerTokenRequestorsRoute(
  app: FastifyInstance,
  { authenticate }: VtsAuthentication,
  options: NetworkSandboxOptions,
): void {
  app.get(vtsPaths.tokenRequestors, async (request, reply) => {
    if (!(await authenticate(request, reply))) return reply;
    return {
      tokenRequestors: tokenRequestors
        .filter((profile) =>
          profile.enabledAccountRanges.some((range) => range.startsWith('4') || '4'.startsWith(range)),
        )
        .map((profile) => ({
          tokenRequestorID: profile.tokenRequestorId,
          name: profile.name,
          consumerFacingEntityName: profile.consumerFacingEntityName,
          tokenRequestorType: profile.tokenRequestorType,
          imageAssetId: profile.imageAssetId,
          supportedPushMethods: profile.supportedPushMethods,
          availablePushMethods: availablePushMethods(profile, options.tokenRequestorsBaseUrl()),
          supportsMultiplePushedCards: profile.supportsMultiplePushedCards,
          supportedAccountHolderData: profile.supportedAccountHolderData,
        })),
    } satisfies z.input<typeof VtsTokenRequestorsResponse>;
  });
}
