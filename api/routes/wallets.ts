/**
 * The wallets this issuer offers (those onboarded, with an adapter): each by its name, the card networks it
 * serves, and, when it takes web push from this issuer, where the issuer's page opens its web window.
 */
import { z } from 'zod';
import { cardNetworks, type CardNetwork } from '../../domain/enrollment.js';
import { wallets } from '../../domain/wallets.js';
import { consumerProblems, type ConsumerRouteContext } from './consumer-api.js';

const WalletsOffered = z.object({
  wallets: z.array(
    z.object({
      wallet: z.enum(wallets),
      name: z.string(),
      networks: z.array(z.enum(cardNetworks)),
      webPush: z
        .object({ windowUrl: z.string() })
        .optional()
        .meta({ description: 'Open this window, then POST /v1/cards/{id}/web-push-provisioning with its session' }),
    }),
  ),
});

export function registerWalletRoutes({ api, deps }: ConsumerRouteContext): void {
  api.get(
    '/wallets',
    {
      schema: {
        summary: 'The wallets this issuer offers, and where its web page opens each one for web push',
        tags: ['wallets'],
        response: { 200: WalletsOffered, ...consumerProblems },
      },
    },
    () => ({
      wallets: deps.wallets.all().flatMap((onboarding) => {
        const adapter = deps.walletAdapters.of(onboarding.wallet);
        if (!adapter) return [];
        const method = adapter.webPush;
        const web =
          method && onboarding.webWindowUrl && (method.method === 'ENVELOPE' || method.offered(onboarding))
            ? { webPush: { windowUrl: onboarding.webWindowUrl } }
            : {};
        const networks = Object.keys(onboarding.tokenRequestorIds) as CardNetwork[];
        return [{ wallet: onboarding.wallet, name: adapter.brand, networks, ...web }];
      }),
    }),
  );
}
