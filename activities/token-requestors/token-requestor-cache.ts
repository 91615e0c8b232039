/**
 * The networks' token requestors and their logos, cached in PostgreSQL as MDES asks issuers to (refresh
 * about every two weeks; an asset id never changes content, so a logo is fetched once). Eligibility is
 * decided from the cache: the token requestor, its push methods, and the account ranges it takes.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../db/queryable.js';
import {
  findTokenRequestor,
  listTokenRequestors,
  saveTokenRequestor,
  saveTokenRequestorLogo,
  tokenRequestorLogo,
  type CachedTokenRequestor,
} from '../../db/token-requestors.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import type { MdesClient, MdesMediaContent } from '../networks/mdes/client.js';
import type { VtsClient } from '../networks/vts/client.js';

export type { CachedTokenRequestor } from '../../db/token-requestors.js';

export interface RefreshSummary {
  network: CardNetwork;
  tokenRequestors: number;
  logosFetched: number;
}

/**
 * Whether this token requestor takes cards of this BIN: Mastercard lists the account ranges each token
 * requestor takes (a token requestor with no range listed takes none); Visa answers per token requestor,
 * not per range, so a Visa token requestor takes every card of the issuer.
 */
export function takesCard(requestor: CachedTokenRequestor, bin: string): boolean {
  return requestor.network === 'VISA' || requestor.enabledAccountRanges.includes(bin);
}

/** MDES takes account ranges of 9 to 19 digits: a BIN is asked as its first nine, zero-padded. */
const asAccountRange = (bin: string): string => bin.padEnd(9, '0');

export class TokenRequestorCache {
  constructor(
    private readonly db: Queryable,
    private readonly networks: { mdes: MdesClient; vts: VtsClient },
  ) {}

  /** Fetches the token requestors for these account ranges (BINs) and the logos not cached yet. */
  async refresh(network: CardNetwork, bins: string[]): Promise<RefreshSummary> {
    const now = new Date().toISOString();
    const found: CachedTokenRequestor[] = [];
    if (network === 'MASTERCARD') {
      const ranges = [...new Set(bins)];
      for (let start = 0; start < ranges.length; start += 25) {
        const batch = ranges.slice(start, start + 25);
        const requestors = await this.networks.mdes.getEligibleTokenRequestors({
          requestId: randomUUID(),
          accountRanges: batch.map(asAccountRange),
        });
        for (const requestor of requestors) {
          const enabled = batch.filter((bin) =>
            requestor.enabledAccountRanges.some((range) => range.startsWith(asAccountRange(bin))),
          );
          const earlier = found.find((candidate) => candidate.tokenRequestorId === requestor.tokenRequestorId);
          if (earlier) {
            earlier.enabledAccountRanges.push(...enabled);
            continue;
          }
          found.push({
            network,
            tokenRequestorId: requestor.tokenRequestorId,
            name: requestor.name,
            consumerFacingEntityName: requestor.consumerFacingEntityName,
            tokenRequestorType: requestor.tokenRequestorType,
            ...(requestor.walletId && { walletId: requestor.walletId }),
            imageAssetId: requestor.imageAssetId,
            enabledAccountRanges: enabled,
            pushMethods: requestor.availablePushMethods,
            supportedAccountHolderData: requestor.supportedAccountHolderData,
            supportsMultiplePushedCards: requestor.supportsMultiplePushedCards,
            refreshedAt: now,
          });
        }
      }
    } else {
      for (const requestor of await this.networks.vts.getTokenRequestors()) {
        found.push({
          network,
          tokenRequestorId: requestor.tokenRequestorID,
          name: requestor.name,
          consumerFacingEntityName: requestor.consumerFacingEntityName,
          tokenRequestorType: requestor.tokenRequestorType,
          imageAssetId: requestor.imageAssetId,
          enabledAccountRanges: [],
          pushMethods: requestor.availablePushMethods,
          supportedAccountHolderData: requestor.supportedAccountHolderData,
          supportsMultiplePushedCards: requestor.supportsMultiplePushedCards,
          refreshedAt: now,
        });
      }
    }
    for (const requestor of found) await saveTokenRequestor(this.db, requestor);
    let logosFetched = 0;
    for (const assetId of new Set(found.map((requestor) => requestor.imageAssetId))) {
      if ((await this.asset(assetId)) !== undefined) continue;
      await saveTokenRequestorLogo(this.db, assetId, await this.networks.mdes.getAsset(assetId));
      logosFetched += 1;
    }
    return { network, tokenRequestors: found.length, logosFetched };
  }

  /**
   * The token requestors that take this card. A range the network was never asked about is asked about
   * now (and cached for everyone after); a failure to ask is thrown to the caller.
   */
  async takingCard(card: { network: CardNetwork; bin: string }): Promise<CachedTokenRequestor[]> {
    const taking = async (): Promise<CachedTokenRequestor[]> =>
      (await this.list(card.network)).filter((requestor) => takesCard(requestor, card.bin));
    const known = await taking();
    if (known.length > 0) return known;
    await this.refresh(card.network, [card.bin]);
    return taking();
  }

  find(network: CardNetwork, tokenRequestorId: string): Promise<CachedTokenRequestor | undefined> {
    return findTokenRequestor(this.db, network, tokenRequestorId);
  }

  list(network?: CardNetwork): Promise<CachedTokenRequestor[]> {
    return listTokenRequestors(this.db, network);
  }

  asset(imageAssetId: string): Promise<MdesMediaContent[] | undefined> {
    return tokenRequestorLogo(this.db, imageAssetId);
  }
}
