/**
 * A card number's keyed fingerprint (HMAC-SHA-256 under a vault fingerprint key): how the vault finds a card
 * by its number without keeping the number anywhere in clear. The number goes into the HMAC and nowhere
 * else: not into a query, a log or an error.
 */
import { createHmac } from 'node:crypto';
import type { Queryable } from '../../db/queryable.js';
import type { CardNetwork } from '../../domain/enrollment.js';
import { vaultCardsByFingerprint, type VaultCard } from '../../db/vault-cards.js';
import type { SymmetricKey } from '../keys/vault-keys.js';

export function panFingerprint(key: SymmetricKey, pan: string): Buffer {
  return createHmac('sha256', key.key).update(pan, 'utf8').digest();
}

/**
 * The vaulted cards of this number on this network, whichever customers hold them: its fingerprint under each
 * fingerprint key the vault holds (a card vaulted before a rotation keeps the fingerprint of its time).
 */
export function cardsWithNumber(
  db: Queryable,
  fingerprintKeys: readonly SymmetricKey[],
  network: CardNetwork,
  pan: string,
): Promise<VaultCard[]> {
  return vaultCardsByFingerprint(
    db,
    network,
    fingerprintKeys.map((key) => ({ fingerprintKeyId: key.kid, panFingerprint: panFingerprint(key, pan) })),
  );
}
