/**
 * The networks' token requestors and their logos, cached in PostgreSQL as MDES asks issuers to (refresh
 * about every two weeks; an asset id never changes content, so a logo is fetched once). Eligibility is
 * decided from the cache: the token requestor, its push methods, and the account ranges it takes.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { CardNetwork, PushMethod } from '../../domain/enrollment.js';
import type { MdesClient, MdesMediaContent } from '../networks/mdes/client.js';
import type { VtsClient } from '../networks/vts/client.js';

type Queryable = Pick<Pool | PoolClient, 'query'>;

export interface CachedTokenRequestor {
  network: CardNetwork;
  tokenRequestorId: string;
  name: string;
  consumerFacingEntityName: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT';
  walletId?: string;
  imageAssetId: string;
  /** The issuer's account ranges (BINs) this token requestor takes; every one of the network's when empty. */
  enabledAccountRanges: string[];
  pushMethods: { type: PushMethod; uri: string }[];
  supportedAccountHolderData: string[];
  supportsMultiplePushedCards: boolean;
  refreshedAt: string;
}

export interface RefreshSummary {
  network: CardNetwork;
  tokenRequestors: number;
  logosFetched: number;
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
    for (const requestor of found) await this.upsert(requestor);
    let logosFetched = 0;
    for (const assetId of new Set(found.map((requestor) => requestor.imageAssetId))) {
      if (await this.hasAsset(assetId)) continue;
      await this.storeAsset(assetId, await this.networks.mdes.getAsset(assetId));
      logosFetched += 1;
    }
    return { network, tokenRequestors: found.length, logosFetched };
  }

  async find(network: CardNetwork, tokenRequestorId: string): Promise<CachedTokenRequestor | undefined> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM token_requestors WHERE network = $1 AND token_requestor_id = $2',
      [network, tokenRequestorId],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async list(network?: CardNetwork): Promise<CachedTokenRequestor[]> {
    const { rows } = await this.db.query<Row>(
      'SELECT * FROM token_requestors WHERE $1::text IS NULL OR network = $1 ORDER BY network, name',
      [network ?? null],
    );
    return rows.map(fromRow);
  }

  async asset(imageAssetId: string): Promise<MdesMediaContent[] | undefined> {
    const { rows } = await this.db.query<{ media_contents: MdesMediaContent[] }>(
      'SELECT media_contents FROM token_requestor_assets WHERE image_asset_id = $1',
      [imageAssetId],
    );
    return rows[0]?.media_contents;
  }

  private async hasAsset(imageAssetId: string): Promise<boolean> {
    return (await this.asset(imageAssetId)) !== undefined;
  }

  private async storeAsset(imageAssetId: string, media: MdesMediaContent[]): Promise<void> {
    await this.db.query(
      `INSERT INTO token_requestor_assets (image_asset_id, media_contents, fetched_at) VALUES ($1, $2, now())
       ON CONFLICT (image_asset_id) DO NOTHING`,
      [imageAssetId, JSON.stringify(media)],
    );
  }

  private async upsert(requestor: CachedTokenRequestor): Promise<void> {
    await this.db.query(
      `INSERT INTO token_requestors (network, token_requestor_id, name, consumer_facing_entity_name,
         token_requestor_type, wallet_id, image_asset_id, enabled_account_ranges, push_methods,
         supported_account_holder_data, supports_multiple_pushed_cards, refreshed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (network, token_requestor_id) DO UPDATE SET
         name = EXCLUDED.name, consumer_facing_entity_name = EXCLUDED.consumer_facing_entity_name,
         token_requestor_type = EXCLUDED.token_requestor_type, wallet_id = EXCLUDED.wallet_id,
         image_asset_id = EXCLUDED.image_asset_id,
         enabled_account_ranges = ARRAY(SELECT DISTINCT unnest(token_requestors.enabled_account_ranges || EXCLUDED.enabled_account_ranges)),
         push_methods = EXCLUDED.push_methods, supported_account_holder_data = EXCLUDED.supported_account_holder_data,
         supports_multiple_pushed_cards = EXCLUDED.supports_multiple_pushed_cards, refreshed_at = EXCLUDED.refreshed_at`,
      [
        requestor.network,
        requestor.tokenRequestorId,
        requestor.name,
        requestor.consumerFacingEntityName,
        requestor.tokenRequestorType,
        requestor.walletId ?? null,
        requestor.imageAssetId,
        requestor.enabledAccountRanges,
        JSON.stringify(requestor.pushMethods),
        requestor.supportedAccountHolderData,
        requestor.supportsMultiplePushedCards,
        requestor.refreshedAt,
      ],
    );
  }
}

interface Row {
  network: CardNetwork;
  token_requestor_id: string;
  name: string;
  consumer_facing_entity_name: string;
  token_requestor_type: 'WALLET' | 'MERCHANT';
  wallet_id: string | null;
  image_asset_id: string;
  enabled_account_ranges: string[];
  push_methods: { type: PushMethod; uri: string }[];
  supported_account_holder_data: string[];
  supports_multiple_pushed_cards: boolean;
  refreshed_at: Date;
}

function fromRow(row: Row): CachedTokenRequestor {
  return {
    network: row.network,
    tokenRequestorId: row.token_requestor_id,
    name: row.name,
    consumerFacingEntityName: row.consumer_facing_entity_name,
    tokenRequestorType: row.token_requestor_type,
    ...(row.wallet_id && { walletId: row.wallet_id }),
    imageAssetId: row.image_asset_id,
    enabledAccountRanges: row.enabled_account_ranges,
    pushMethods: row.push_methods,
    supportedAccountHolderData: row.supported_account_holder_data,
    supportsMultiplePushedCards: row.supports_multiple_pushed_cards,
    refreshedAt: row.refreshed_at.toISOString(),
  };
}
