/**
 * Webhook signing secrets at rest: sealed with AES-256-GCM under the vault's current encryption key (in the
 * HSM when the keys are), with the subscription's id bound as additional data, so that a sealed secret moved
 * to another row does not open. Whoever reads the database reads no secret that could sign an event to the
 * issuer's systems. A secret stored in clear before this is sealed when the API starts.
 */
import type { Pool } from 'pg';
import { inTransaction } from '../../db/transaction.js';
import {
  lockClearSecrets,
  storeSealedSecrets,
  type SealedSecret,
  type StoredSecret,
} from '../../db/webhook-subscriptions.js';
import { openBytes, sealBytes } from '../crypto/sealed-bytes.js';
import type { VaultKeySet } from '../keys/key-handles.js';

/** The keys that seal and open webhook secrets: the vault's encryption keys. */
export type WebhookSecretKeys = Pick<VaultKeySet, 'currentEncryption' | 'encryptionKey'>;

const boundTo = (subscriptionId: string): Buffer => Buffer.from(`pushprov:webhook-secret:${subscriptionId}`, 'utf8');

export async function sealWebhookSecret(
  keys: WebhookSecretKeys,
  subscriptionId: string,
  secret: Buffer,
): Promise<SealedSecret> {
  const key = keys.currentEncryption;
  return { bytes: await sealBytes(key, boundTo(subscriptionId), secret), keyId: key.kid };
}

export class WebhookSecretUnreadableError extends Error {
  override name = 'WebhookSecretUnreadableError';
}

/** The secret itself; a secret stored in clear (no key id) is what it is. */
export async function openWebhookSecret(
  keys: WebhookSecretKeys,
  subscriptionId: string,
  stored: StoredSecret,
): Promise<Buffer> {
  if (stored.keyId === null) return stored.bytes;
  const key = keys.encryptionKey(stored.keyId);
  if (!key) {
    throw new WebhookSecretUnreadableError(
      `the signing secret of subscription ${subscriptionId} is sealed under key ${stored.keyId}, which this process does not hold`,
    );
  }
  return openBytes(key, boundTo(subscriptionId), stored.bytes);
}

/**
 * Seals every secret still stored in clear, a page of locked rows per transaction (rows another process is
 * sealing are skipped, and it seals them); returns how many subscriptions it changed.
 */
export async function sealClearWebhookSecrets(pool: Pool, keys: WebhookSecretKeys): Promise<number> {
  let changed = 0;
  for (;;) {
    const sealed = await inTransaction(pool, async (client) => {
      const page = await lockClearSecrets(client, 100);
      for (const clear of page) {
        const seal = (secret: Buffer | undefined) => secret && sealWebhookSecret(keys, clear.subscriptionId, secret);
        const [secret, previousSecret] = await Promise.all([seal(clear.secret), seal(clear.previousSecret)]);
        await storeSealedSecrets(client, clear.subscriptionId, {
          ...(secret && { secret }),
          ...(previousSecret && { previousSecret }),
        });
      }
      return page.length;
    });
    if (sealed === 0) return changed;
    changed += sealed;
  }
}
