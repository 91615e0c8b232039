/**
 * A third card network, as a test double: everything the engine asks of a network, in this one folder.
 * It takes the BINs it was told of, lists one token requestor, answers a push with one receipt per card,
 * and calls the issuer back with JSON under a shared secret. It keeps what it was asked, for the test.
 */
import type { TokenStatus } from '../../../domain/enrollment.js';
import {
  lifecycleTransition,
  TokenLifecycleRefused,
  type TokenLifecycleRequest,
} from '../../../domain/token-lifecycle.js';
import { z } from 'zod';
import { CardReplacementRefused } from '../../../domain/card-replacement.js';
import type { CachedTokenRequestor } from '../../../db/token-requestors.js';
import type { CardNetwork } from '../../../domain/enrollment.js';
import { CryptoFailure } from '../../../domain/crypto-failure.js';
import { notJson, type NetworkCallbacks } from '../../../activities/networks/callback-descriptor.js';
import type { CardNetworkAdapter, NetworkPushRequest } from '../../../activities/networks/card-network.js';

/** A network the domain does not list yet (a real one adds its id to domain/enrollment.ts's cardNetworks). */
export const thirdNetworkId = 'THIRD' as CardNetwork;
export const thirdNetworkSecret = 'Third a-shared-secret';
export const thirdNetworkWallet = { id: '90010030273', name: 'Third Wallet' };

const ErrorEnvelope = z.object({ error: z.object({ status: z.int(), message: z.string() }) });

const callbacks: NetworkCallbacks = {
  name: 'Third network',
  prefix: '/networks/third',
  mediaType: 'application/json',
  refusedCall: (status, description) => ({ error: { status, message: description } }),
  refusedMessage: (error) => ({ error: { status: 400, message: error.issues[0]?.message ?? 'malformed' } }),
  errorSchema: ErrorEnvelope,
  open(call) {
    if (call.authorization !== thirdNetworkSecret) {
      return Promise.reject(new CryptoFailure('SIGNATURE_INVALID', 'The call does not carry the shared secret'));
    }
    try {
      return Promise.resolve(JSON.parse(call.body) as unknown);
    } catch {
      return Promise.resolve(notJson);
    }
  },
  // It names cards by receipt only: its messages carry no card of their own.
  openAccount: () => Promise.reject(new CryptoFailure('MALFORMED', 'The third network names no card by its number')),
  authorizeService: {
    request: z
      .object({ receipt: z.string().optional(), requestor: z.string() })
      .transform((message) => ({ receipt: message.receipt, tokenRequestorId: message.requestor })),
    response: z.object({ verdict: z.enum(['APPROVED', 'DECLINED']), why: z.string().optional() }),
    answer: ({ decision, reason }) => ({ verdict: decision, ...(reason && { why: reason }) }),
  },
  notifyTokenUpdated: {
    request: z
      .object({
        receipt: z.string(),
        token: z.string(),
        state: z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
        at: z.string(),
      })
      .transform((message) => [
        {
          receipt: message.receipt,
          tokenUniqueReference: message.token,
          status: message.state,
          statusTimestamp: message.at,
        },
      ]),
    response: z.object({}),
    answer: () => ({}),
  },
};

export interface ThirdNetwork extends CardNetworkAdapter {
  /** The pushes it was asked for (card data included: this is the network's side). */
  pushes: NetworkPushRequest[];
  /** Its tokens' statuses (a token it is asked about starts ACTIVE), and the lifecycle calls it had. */
  tokenStatuses: Map<string, TokenStatus>;
  lifecycles: TokenLifecycleRequest[];
  /** Each token's card after a replacement: its last four (the double keeps no more of a card than a network shows). */
  replacedCards: Map<string, string>;
}

export function thirdNetwork(takenBins: string[]): ThirdNetwork {
  const pushes: NetworkPushRequest[] = [];
  const tokenStatuses = new Map<string, TokenStatus>();
  const lifecycles: TokenLifecycleRequest[] = [];
  const replacedCards = new Map<string, string>();
  return {
    id: thirdNetworkId,
    brand: 'Third',
    takesCard: (requestor, bin) => requestor.enabledAccountRanges.includes(bin),
    proofAudience: () => 'THIRD-NETWORK',
    callbacks,
    pushes,
    tokenStatuses,
    lifecycles,
    replacedCards,
    // A card replaced: a deleted token does not follow it, any other does (a test double).
    replaceCard(request) {
      const status = tokenStatuses.get(request.tokenUniqueReference) ?? 'ACTIVE';
      if (status === 'DEACTIVATED') {
        return Promise.reject(new CardReplacementRefused('STATE_CONFLICT', 'A DEACTIVATED token cannot follow a card'));
      }
      const accountPanSuffix = request.newCard.pan.slice(-4);
      replacedCards.set(request.tokenUniqueReference, accountPanSuffix);
      return Promise.resolve({ tokenUniqueReference: request.tokenUniqueReference, status, accountPanSuffix });
    },
    // Its lifecycle: the engine's own rules (domain/token-lifecycle.ts), in memory (a test double).
    tokenLifecycle(request) {
      lifecycles.push(request);
      const current = tokenStatuses.get(request.tokenUniqueReference) ?? 'ACTIVE';
      const transition = lifecycleTransition(request.operation, current);
      if ('refused' in transition) {
        return Promise.reject(new TokenLifecycleRefused('STATE_CONFLICT', transition.refused, current));
      }
      tokenStatuses.set(request.tokenUniqueReference, transition.to);
      return Promise.resolve({ tokenUniqueReference: request.tokenUniqueReference, status: transition.to });
    },
    // Its status inquiry: the statuses its lifecycle keeps, a token it was never asked about ACTIVE (a test double).
    tokenStatus: (request) =>
      Promise.resolve({ known: true, status: tokenStatuses.get(request.tokenUniqueReference) ?? 'ACTIVE' }),
    tokenRequestors(bins, refreshedAt) {
      const requestor: CachedTokenRequestor = {
        network: thirdNetworkId,
        tokenRequestorId: thirdNetworkWallet.id,
        name: thirdNetworkWallet.name,
        consumerFacingEntityName: thirdNetworkWallet.name,
        tokenRequestorType: 'WALLET',
        imageAssetId: 'third-wallet-logo',
        enabledAccountRanges: bins.filter((bin) => takenBins.includes(bin)),
        pushMethods: [{ type: 'WEB', uri: 'https://wallet.third.example/push' }],
        supportedAccountHolderData: ['NAME'],
        supportsMultiplePushedCards: true,
        refreshedAt,
      };
      return Promise.resolve([requestor]);
    },
    // The third network's activation data: the issuer's word about the provisioning, unsigned (a test double).
    walletActivationData: ({ reference }) => Promise.resolve(Buffer.from(`third:${reference}`).toString('base64')),
    // Its OPC: base64 of JSON naming the card by its last digits and the provisioning's activation data (a test double).
    pushTokenizeOpc: ({ card, activationData, device }) =>
      Promise.resolve(
        Buffer.from(JSON.stringify({ last4: card.pan.slice(-4), activationData, deviceId: device.deviceId })).toString(
          'base64',
        ),
      ),
    push(request) {
      pushes.push(request);
      const cards = request.cards.map((card) => ({
        pushAccountId: card.pushAccountId,
        receipt: `third-${request.requestId.slice(0, 8)}-${card.pushAccountId}`,
      }));
      return Promise.resolve({
        cards,
        pushMethods: [{ type: 'WEB', uri: 'https://wallet.third.example/push' }],
        redirectParameters: { receipts: cards.map((card) => card.receipt).join(',') },
      });
    },
  };
}
