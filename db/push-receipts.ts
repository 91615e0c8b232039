/**
 * The receipts each push obtained from a network, and the wallet provisionings whose receipt the engine
 * minted itself: how the network's later calls find their enrollment. A wallet's tokenisation names the card,
 * not a receipt, and the token it creates is bound to the provisioning, so that notifications naming only
 * the token find it too.
 */
import type { CardNetwork } from '../domain/enrollment.js';
import type { Wallet } from '../domain/wallets.js';
import type { Queryable } from './queryable.js';

export interface PushReceipt {
  enrollmentId: string;
  customerId: string;
  cardRef: string;
  tokenRequestorId: string;
  /** After this instant the token requestor may no longer redeem the receipt. */
  expiresAt: Date;
}

/** A receipt with its value, its wallet (none for a Token Connect receipt) and the token bound to it. */
export interface KeptReceipt extends PushReceipt {
  receipt: string;
  wallet?: Wallet;
  tokenUniqueReference?: string;
}

/**
 * Keeps a receipt for the vaulted card it was obtained for (its customer is the card's); a receipt kept
 * already (a retried push) is left as it is.
 */
export async function recordPushReceipt(
  db: Queryable,
  receipt: {
    receipt: string;
    network: CardNetwork;
    enrollmentId: string;
    cardRef: string;
    tokenRequestorId: string;
    pushAccountId: string;
    expiresAt: Date;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO push_receipts (receipt, network, enrollment_id, customer_id, card_ref, token_requestor_id,
       push_account_id, expires_at)
     SELECT $1, $2, $3, customer_id, card_ref, $5, $6, $7 FROM vault_cards WHERE card_ref = $4
     ON CONFLICT (receipt) DO NOTHING`,
    [
      receipt.receipt,
      receipt.network,
      receipt.enrollmentId,
      receipt.cardRef,
      receipt.tokenRequestorId,
      receipt.pushAccountId,
      receipt.expiresAt,
    ],
  );
}

/**
 * Keeps a wallet provisioning under the receipt the engine minted for it (its push account id too); one kept
 * already is left as it is. Throws a RangeError when the vault holds no such card: a provisioning that could
 * never be found must not pass for recorded.
 */
export async function recordWalletProvisioning(
  db: Queryable,
  provisioning: {
    receipt: string;
    network: CardNetwork;
    enrollmentId: string;
    cardRef: string;
    tokenRequestorId: string;
    wallet: Wallet;
    expiresAt: Date;
  },
): Promise<void> {
  const { rows } = await db.query<{ card_found: boolean }>(
    `WITH card AS (SELECT customer_id, card_ref FROM vault_cards WHERE card_ref = $4),
     kept AS (
       INSERT INTO push_receipts (receipt, network, enrollment_id, customer_id, card_ref, token_requestor_id,
         push_account_id, expires_at, wallet)
       SELECT $1, $2, $3, customer_id, card_ref, $5, $1, $6, $7 FROM card
       ON CONFLICT (receipt) DO NOTHING
     )
     SELECT EXISTS (SELECT 1 FROM card) AS card_found`,
    [
      provisioning.receipt,
      provisioning.network,
      provisioning.enrollmentId,
      provisioning.cardRef,
      provisioning.tokenRequestorId,
      provisioning.expiresAt,
      provisioning.wallet,
    ],
  );
  if (!rows[0]?.card_found) throw new RangeError(`No vaulted card ${provisioning.cardRef} to provision`);
}

/** The receipt this network issued, expired or not; undefined when it issued none by that value. */
export async function findPushReceipt(
  db: Queryable,
  network: CardNetwork,
  receipt: string,
): Promise<PushReceipt | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${columns} FROM push_receipts WHERE receipt = $1 AND network = $2`, [
    receipt,
    network,
  ]);
  return rows[0] && receiptOnly(fromRow(rows[0]));
}

/**
 * The newest wallet provisioning of one of these cards for this token requestor that has not expired at `now`
 * and is bound to no token but (when given) this one; undefined when there is none.
 */
export async function findWalletProvisioning(
  db: Queryable,
  query: {
    network: CardNetwork;
    cardRefs: string[];
    tokenRequestorId: string;
    now: Date;
    tokenUniqueReference?: string;
  },
): Promise<KeptReceipt | undefined> {
  if (query.cardRefs.length === 0) return undefined;
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM push_receipts
     WHERE network = $1 AND card_ref = ANY ($2::uuid[]) AND token_requestor_id = $3 AND wallet IS NOT NULL
       AND expires_at > $4 AND (token_unique_reference IS NULL OR token_unique_reference = $5)
     ORDER BY created_at DESC, receipt LIMIT 1`,
    [query.network, query.cardRefs, query.tokenRequestorId, query.now, query.tokenUniqueReference ?? null],
  );
  return rows[0] && fromRow(rows[0]);
}

/** The latest wallet provisionings of these cards, whatever their token requestor, expiry or token (newest first). */
export async function recentWalletProvisionings(
  db: Queryable,
  query: { network: CardNetwork; cardRefs: string[] },
  limit = 20,
): Promise<KeptReceipt[]> {
  if (query.cardRefs.length === 0) return [];
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM push_receipts
     WHERE network = $1 AND card_ref = ANY ($2::uuid[]) AND wallet IS NOT NULL
     ORDER BY created_at DESC, receipt LIMIT $3`,
    [query.network, query.cardRefs, limit],
  );
  return rows.map(fromRow);
}

/**
 * Binds the token a network created to the receipt it came from; true when it is bound to it now (already,
 * or by this call), false when the receipt is bound to another token or the token to another receipt.
 */
export async function bindTokenReference(
  db: Queryable,
  network: CardNetwork,
  receipt: string,
  tokenUniqueReference: string,
): Promise<boolean> {
  try {
    const { rowCount } = await db.query(
      `UPDATE push_receipts SET token_unique_reference = $3
       WHERE network = $1 AND receipt = $2 AND (token_unique_reference IS NULL OR token_unique_reference = $3)`,
      [network, receipt, tokenUniqueReference],
    );
    return rowCount === 1;
  } catch (error) {
    if ((error as { code?: string }).code === uniqueViolation) return false;
    throw error;
  }
}

/** The receipt a token of this network is bound to; undefined when none is. */
export async function findReceiptOfToken(
  db: Queryable,
  network: CardNetwork,
  tokenUniqueReference: string,
): Promise<KeptReceipt | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${columns} FROM push_receipts WHERE network = $1 AND token_unique_reference = $2`,
    [network, tokenUniqueReference],
  );
  return rows[0] && fromRow(rows[0]);
}

const uniqueViolation = '23505';

interface Row {
  receipt: string;
  enrollment_id: string;
  token_requestor_id: string;
  card_ref: string;
  customer_id: string;
  expires_at: Date;
  wallet: Wallet | null;
  token_unique_reference: string | null;
}

const columns =
  'receipt, enrollment_id, token_requestor_id, card_ref, customer_id, expires_at, wallet, token_unique_reference';

function fromRow(row: Row): KeptReceipt {
  return {
    receipt: row.receipt,
    enrollmentId: row.enrollment_id,
    customerId: row.customer_id,
    cardRef: row.card_ref,
    tokenRequestorId: row.token_requestor_id,
    expiresAt: row.expires_at,
    ...(row.wallet && { wallet: row.wallet }),
    ...(row.token_unique_reference && { tokenUniqueReference: row.token_unique_reference }),
  };
}

function receiptOnly({ enrollmentId, customerId, cardRef, tokenRequestorId, expiresAt }: KeptReceipt): PushReceipt {
  return { enrollmentId, customerId, cardRef, tokenRequestorId, expiresAt };
}
