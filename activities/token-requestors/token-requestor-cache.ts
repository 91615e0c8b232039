/**
 * The networks' token requestors and their logos, cached in PostgreSQL as MDES asks issuers to (refresh
 * about every two weeks; an asset id never changes content, so a logo is fetched once). Eligibility is
 * decided from the cache: the token requestor, its push methods, and the account ranges it takes.
 */
import type { Queryable } from '../../db/queryable.js';
import {
  findTokenRequestor,
  listTokenRequestors,
  saveTokenRequestor,
  saveTokenRequestorLogo,
  tokenRequestorLogo,
  type CachedTokenRequestor,
  type LogoMediaContent,
} from '../../db/token-requestors.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import type { NetworkRegistry } from '../networks/registry.js';
import { eligibilityOf, type Eligibility, type EligibilityQuestion } from './eligibility.js';

export type { CachedTokenRequestor } from '../../db/token-requestors.js';

export interface RefreshSummary {
  network: CardNetwork;
  tokenRequestors: number;
  logosFetched: number;
}

/** Where the logos come from: MDES's asset service, which serves the logos of both networks' token requestors. */
export interface LogoSource {
  getAsset(assetId: string): Promise<LogoMediaContent[]>;
}

export class TokenRequestorCache {
  constructor(
    private readonly db: Queryable,
    private readonly networks: NetworkRegistry,
    private readonly logos: LogoSource,
  ) {}

  /**
   * Asks the network for the token requestors taking these account ranges (BINs; how it is asked is the
   * network's), then fetches the logos not cached yet.
   */
  async refresh(network: CardNetwork, bins: string[]): Promise<RefreshSummary> {
    const found = await this.networks.of(network).tokenRequestors(bins, new Date().toISOString());
    for (const requestor of found) await saveTokenRequestor(this.db, requestor);
    let logosFetched = 0;
    for (const assetId of new Set(found.map((requestor) => requestor.imageAssetId))) {
      if ((await this.asset(assetId)) !== undefined) continue;
      await saveTokenRequestorLogo(this.db, assetId, await this.logos.getAsset(assetId));
      logosFetched += 1;
    }
    return { network, tokenRequestors: found.length, logosFetched };
  }

  /**
   * The token requestors that take this card. A range the network was never asked about is asked about
   * now (and cached for everyone after); a failure to ask is thrown to the caller.
   */
  async takingCard(card: { network: CardNetwork; bin: string }): Promise<CachedTokenRequestor[]> {
    const network = this.networks.of(card.network);
    const taking = async (): Promise<CachedTokenRequestor[]> =>
      (await this.list(card.network)).filter((requestor) => network.takesCard(requestor, card.bin));
    const known = await taking();
    if (known.length > 0) return known;
    await this.refresh(card.network, [card.bin]);
    return taking();
  }

  /** Whether this token requestor takes these cards from this platform (eligibility.ts). */
  eligibility(ask: EligibilityQuestion): Promise<Eligibility> {
    return eligibilityOf({ networks: this.networks, tokenRequestors: this }, ask);
  }

  find(network: CardNetwork, tokenRequestorId: string): Promise<CachedTokenRequestor | undefined> {
    return findTokenRequestor(this.db, network, tokenRequestorId);
  }

  list(network?: CardNetwork): Promise<CachedTokenRequestor[]> {
    return listTokenRequestors(this.db, network);
  }

  asset(imageAssetId: string): Promise<LogoMediaContent[] | undefined> {
    return tokenRequestorLogo(this.db, imageAssetId);
  }
}
