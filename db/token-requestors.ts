/**
 * The networks' token requestors and their logos, cached (refreshed about every two weeks; an asset id
 * never changes content), and the issuer's account ranges a refresh asks about.
 */
import type { CardNetwork, PushMethod } from '../domain/enrollment.js';
import type { Queryable } from './queryable.js';

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

/** One rendition of a logo, as the network's asset service gives it. */
export interface LogoMediaContent {
  type: string;
  data: string;
  width?: number;
  height?: number;
}

export async function findTokenRequestor(
  db: Queryable,
  network: CardNetwork,
  tokenRequestorId: string,
): Promise<CachedTokenRequestor | undefined> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM token_requestors WHERE network = $1 AND token_requestor_id = $2',
    [network, tokenRequestorId],
  );
  return rows[0] && fromRow(rows[0]);
}

/** The cached token requestors, of one network or of all, by network and name. */
export async function listTokenRequestors(db: Queryable, network?: CardNetwork): Promise<CachedTokenRequestor[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM token_requestors WHERE $1::text IS NULL OR network = $1 ORDER BY network, name',
    [network ?? null],
  );
  return rows.map(fromRow);
}

/**
 * Caches the token requestor as the network described it now; the account ranges it takes are added to
 * those known before (a refresh asks about some ranges only).
 */
export async function saveTokenRequestor(db: Queryable, requestor: CachedTokenRequestor): Promise<void> {
  await db.query(
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

/** The logo cached under this asset id; undefined when it has not been fetched. */
export async function tokenRequestorLogo(db: Queryable, imageAssetId: string): Promise<LogoMediaContent[] | undefined> {
  const { rows } = await db.query<{ media_contents: LogoMediaContent[] }>(
    'SELECT media_contents FROM token_requestor_assets WHERE image_asset_id = $1',
    [imageAssetId],
  );
  return rows[0]?.media_contents;
}

/** Caches a logo; one cached already under this asset id is kept (an asset id never changes content). */
export async function saveTokenRequestorLogo(
  db: Queryable,
  imageAssetId: string,
  media: LogoMediaContent[],
): Promise<void> {
  await db.query(
    `INSERT INTO token_requestor_assets (image_asset_id, media_contents, fetched_at) VALUES ($1, $2, now())
     ON CONFLICT (image_asset_id) DO NOTHING`,
    [imageAssetId, JSON.stringify(media)],
  );
}

/** The issuer's account ranges on a network: the BINs of the cards it holds, and those it asked about before. */
export async function issuerAccountRanges(db: Queryable, network: CardNetwork): Promise<string[]> {
  const { rows } = await db.query<{ bin: string }>(
    `SELECT bin FROM vault_cards WHERE network = $1
     UNION SELECT unnest(enabled_account_ranges) FROM token_requestors WHERE network = $1
     ORDER BY bin`,
    [network],
  );
  return rows.map((row) => row.bin);
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
