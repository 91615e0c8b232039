/**
 * The issuer's card vault in PostgreSQL. A card's number, expiry and name are stored only AES-256-GCM
 * encrypted, the key id beside them and the card reference bound in as additional data (a ciphertext
 * copied to another row does not decrypt); a keyed fingerprint finds the same card again. What the rest
 * of the engine sees is a card reference and BIN + last four.
 */
import type { CaptureMethod } from '../../domain/enrollment.js';
import { routeCard, type CardDetails } from '../../domain/card-number.js';
import { newIdentifier } from '../../domain/identifiers.js';
import {
  markCardCaptured,
  purgeExpiredCardCaptures,
  stageCardCapture,
  stagedCaptureOf,
} from '../../db/card-captures.js';
import type { Queryable } from '../../db/queryable.js';
import { sealedCardOf, storeVaultCard, vaultCardOf, vaultCardsOf, type VaultCard } from '../../db/vault-cards.js';
import type { EncryptionKey, VaultKeySet } from '../keys/key-handles.js';
import { openBytes, sealBytes } from '../crypto/sealed-bytes.js';
import { panFingerprint } from './card-fingerprints.js';

/** What a consumer typed (manual) or photographed (ocr), staged until an enrollment captures it. */
export type StagedCapture =
  { method: 'manual'; card: CardDetails } | { method: 'ocr'; image: { mediaType: string; base64: string } };

export class VaultKeyMissingError extends Error {
  override name = 'VaultKeyMissingError';
}

const stagedCaptureLifetimeMs = 30 * 60_000;

export class CardVault {
  constructor(
    private readonly db: Queryable,
    private readonly keys: VaultKeySet,
  ) {}

  /**
   * Stores a card for a customer, or finds the one already stored with the same number; the caller has
   * validated it (cardProblem) and it routes to a network.
   */
  async store(customerId: string, card: CardDetails, source: CaptureMethod): Promise<VaultCard> {
    const route = routeCard(card.pan);
    if (!route) throw new RangeError('The card does not route to a network');
    const fingerprintKey = this.keys.fingerprint;
    const fingerprint = await panFingerprint(fingerprintKey, card.pan);
    const cardRef = newIdentifier();
    const encryption = this.keys.currentEncryption;
    const ciphertext = await seal(encryption, `card:${cardRef}:${encryption.kid}`, JSON.stringify(card));
    // A card already vaulted for this customer keeps its reference: the stored one comes back.
    return storeVaultCard(this.db, {
      cardRef,
      customerId,
      sealedDetails: ciphertext,
      encryptionKeyId: encryption.kid,
      panFingerprint: fingerprint,
      fingerprintKeyId: fingerprintKey.kid,
      bin: route.bin,
      last4: card.pan.slice(-4),
      expiryMonth: card.expiryMonth,
      expiryYear: card.expiryYear,
      network: route.network,
      ...(route.domesticScheme && { domesticScheme: route.domesticScheme }),
      source,
    });
  }

  /** The customer's card, or undefined when there is none with this reference for this customer. */
  async cardOf(customerId: string, cardRef: string): Promise<VaultCard | undefined> {
    if (!isUuid(cardRef)) return undefined;
    return vaultCardOf(this.db, customerId, cardRef);
  }

  cardsOf(customerId: string): Promise<VaultCard[]> {
    return vaultCardsOf(this.db, customerId);
  }

  /** The card's details in clear, for the activity that encrypts them for a network; never logged or returned further. */
  async reveal(cardRef: string): Promise<CardDetails> {
    const sealed = await sealedCardOf(this.db, cardRef);
    if (!sealed) throw new RangeError(`No vaulted card ${cardRef}`);
    const key = this.keys.encryptionKey(sealed.encryptionKeyId);
    if (!key) throw new VaultKeyMissingError(`Vault key ${sealed.encryptionKeyId} is not in the key store`);
    return JSON.parse(
      await open(key, `card:${cardRef}:${sealed.encryptionKeyId}`, sealed.sealedDetails),
    ) as CardDetails;
  }

  /** Stages what a consumer entered or photographed; returns the capture id an enrollment names. */
  async stageCapture(customerId: string, capture: StagedCapture, now: Date = new Date()): Promise<string> {
    const captureId = newIdentifier();
    const key = this.keys.currentEncryption;
    await stageCardCapture(this.db, {
      captureId,
      customerId,
      method: capture.method,
      sealedPayload: await seal(key, `capture:${captureId}:${key.kid}`, JSON.stringify(capture)),
      encryptionKeyId: key.kid,
      expiresAt: new Date(now.getTime() + stagedCaptureLifetimeMs),
    });
    return captureId;
  }

  /**
   * The staged capture of this customer, if it exists and has not expired: its payload, or the card it
   * was already vaulted as (a retried capture).
   */
  async stagedCapture(
    customerId: string,
    captureId: string,
  ): Promise<{ capture: StagedCapture } | { cardRef: string; method: 'manual' | 'ocr' } | undefined> {
    if (!isUuid(captureId)) return undefined;
    const staged = await stagedCaptureOf(this.db, customerId, captureId);
    if (!staged) return undefined;
    if ('cardRef' in staged) return { cardRef: staged.cardRef, method: staged.method };
    const key = this.keys.encryptionKey(staged.encryptionKeyId);
    if (!key) throw new VaultKeyMissingError(`Vault key ${staged.encryptionKeyId} is not in the key store`);
    const plaintext = await open(key, `capture:${captureId}:${staged.encryptionKeyId}`, staged.sealedPayload);
    return { capture: JSON.parse(plaintext) as StagedCapture };
  }

  /** Erases a staged capture's payload, keeping only the card it became. */
  markCaptured(captureId: string, cardRef: string): Promise<void> {
    return markCardCaptured(this.db, captureId, cardRef);
  }

  /** Deletes staged captures nobody used in time; returns how many. */
  purgeExpiredCaptures(): Promise<number> {
    return purgeExpiredCardCaptures(this.db);
  }
}

function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

/** `context` is bound as additional data: a ciphertext copied to another row does not decrypt. */
function seal(key: EncryptionKey, context: string, plaintext: string): Promise<Buffer> {
  return sealBytes(key, Buffer.from(context), Buffer.from(plaintext, 'utf8'));
}

async function open(key: EncryptionKey, context: string, sealed: Buffer): Promise<string> {
  return (await openBytes(key, Buffer.from(context), sealed)).toString('utf8');
}
