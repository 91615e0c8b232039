/**
 * A card number's keyed fingerprint (HMAC-SHA-256 under a vault fingerprint key): how the vault finds a card
 * by its number without keeping the number anywhere in clear. The number goes into the HMAC and nowhere
 * else: not into a query, a log or an error.
 */
import type { Queryable } from '../../db/queryable.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import { vaultCardsByFingerprint, type VaultCard } from '../../db/vault-cards.js';
import type { MacKey } from '../keys/key-handles.js';

export function panFingerprint(key: MacKey, pan: string): Promise<Buffer> {
  return key.mac(Buffer.from(pan, 'utf8'));
}

/**
 * The vaulted cards of this number on this network, whichever customers hold them: its fingerprint under each
 * fingerprint key the vault holds (a card vaulted before a rotation keeps the fingerprint of its time).
 */
export async function cardsWithNumber(
  db: Queryable,
  fingerprintKeys: readonly MacKey[],
  network: CardNetwork,
  pan: string,
): Promise<VaultCard[]> {
  const fingerprints = await Promise.all(
    fingerprintKeys.map(async (key) => ({ fingerprintKeyId: key.kid, panFingerprint: await panFingerprint(key, pan) })),
  );
  return vaultCardsByFingerprint(db, network, fingerprints);
}
