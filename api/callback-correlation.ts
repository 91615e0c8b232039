/**
 * How a network's call during tokenisation finds its enrollment, and the issuer's decision from it. With a
 * Token Connect receipt, by that receipt. Without one (a wallet's tokenisation: the card added from the
 * issuer's app), by the card itself: opened, found in the vault by its fingerprint, matched to the open
 * wallet provisioning of that card for that token requestor, which the new token is bound to; the network's
 * later notifications name only that token. Either way the enrollment decides: it must be waiting for its
 * token requestor, the card pushed. A decline says why in a code, never with anything of the card.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type {
  AuthorizationAsked,
  IssuerDecision,
  NetworkCallbacks,
  ReportedToken,
} from '../activities/networks/callback-descriptor.js';
import type { NetworkCredentials } from '../activities/keys/network-credentials.js';
import type { MacKey } from '../activities/keys/key-handles.js';
import { cardsWithNumber } from '../activities/vault/card-fingerprints.js';
import { CryptoFailure } from '../domain/crypto-failure.js';
import type { CardNetwork } from '../domain/enrollment.js';
import { enrollmentViewQuery } from '../domain/messages.js';
import {
  bindTokenReference,
  findPushReceipt,
  findReceiptOfToken,
  findWalletProvisioning,
  recentWalletProvisionings,
  type KeptReceipt,
} from '../db/push-receipts.js';
import { enrollmentViewOf } from '../db/enrollment-views.js';
import { enrollmentTraceParent } from '../db/enrollments.js';
import { inEnrollmentTrace, type EnrollmentTraceLookup } from '../observability/enrollment-trace.js';
import type { Queryable } from '../db/queryable.js';
import type { VaultCard } from '../db/vault-cards.js';
import type { TokenisationSource } from '../domain/decisioning/rules.js';
import { decideBy, failSafe, type DecisioningDeps, type DecisionSubject } from './tokenisation-decisioning.js';

/** Why the issuer declines a tokenisation (the network's `decisionReason`), besides `ENROLLMENT_<status>`. */
export const DeclineReason = {
  UnknownReceipt: 'UNKNOWN_RECEIPT',
  WrongTokenRequestor: 'WRONG_TOKEN_REQUESTOR',
  ReceiptExpired: 'RECEIPT_EXPIRED',
  EnrollmentNotFound: 'ENROLLMENT_NOT_FOUND',
  /** The card the network named does not decrypt with the issuer's keys, or is not a card once decrypted. */
  AccountNotOpened: 'ACCOUNT_NOT_OPENED',
  /** No card of the vault has this number (on this network). */
  CardNotFound: 'CARD_NOT_FOUND',
  /** The card has no wallet provisioning at all. */
  NotProvisioned: 'NOT_PROVISIONED',
  /** The card's provisionings for this token requestor have all expired. */
  ProvisioningExpired: 'PROVISIONING_EXPIRED',
  /** The card's open provisioning for this token requestor is bound to another token already. */
  ProvisioningUsed: 'PROVISIONING_ALREADY_USED',
  /** The expiry the network names is not the provisioned card's. */
  ExpiryMismatch: 'EXPIRY_MISMATCH',
  /** A tokenisation without a receipt must name its token: notifications will name only that. */
  TokenReferenceMissing: 'TOKEN_REFERENCE_MISSING',
} as const;

export interface CorrelationDeps {
  credentials: NetworkCredentials;
  pool: Queryable;
  temporal: Client;
  /** The vault's fingerprint keys: a card named by its number is found by its fingerprints. */
  fingerprintKeys: readonly MacKey[];
  /** The issuer's rules and what applying them needs. */
  decisioning: DecisioningDeps;
  /** Where a refusal to open a card is noted (its code only). */
  warn?: (details: object, message: string) => void;
}

/** When the decision began, its budget, and whether its result is being written (no longer raced by the budget). */
type Timing = { started: number; budget: AbortSignal; recording: boolean };

/** The decision took longer than the rules' budget: the fail-safe answers. */
class DecisionBudgetExceeded extends Error {
  override name = 'DecisionBudgetExceeded';
}

/**
 * The issuer's decision on a tokenisation, with a receipt or with the card itself, within the rules' budget;
 * past it, or when a dependency fails, the rules' fail-safe.
 */
export async function decideTokenisation(
  deps: CorrelationDeps,
  network: CardNetwork,
  callbacks: NetworkCallbacks,
  asked: AuthorizationAsked,
  now: Date = new Date(),
): Promise<IssuerDecision> {
  const timing: Timing = {
    started: performance.now(),
    budget: AbortSignal.timeout(deps.decisioning.rules.budgetMs),
    recording: false,
  };
  const overBudget = new Promise<never>((_resolve, reject) =>
    // Once the decision is being written (its activation started, its row), the answer is that decision: a
    // fail-safe now would tell the network one thing and keep another.
    timing.budget.addEventListener(
      'abort',
      () => {
        if (!timing.recording) reject(new DecisionBudgetExceeded());
      },
      { once: true },
    ),
  );
  try {
    return await Promise.race([correlate(deps, network, callbacks, asked, now, timing), overBudget]);
  } catch (error) {
    return failSafe(deps.decisioning, subjectOf(network, asked, asked.facts?.source ?? 'OTHER'), timing.started, error);
  }
}

async function correlate(
  deps: CorrelationDeps,
  network: CardNetwork,
  callbacks: NetworkCallbacks,
  asked: AuthorizationAsked,
  now: Date,
  timing: Timing,
): Promise<IssuerDecision> {
  if (asked.receipt === undefined && asked.encryptedAccount !== undefined) {
    return decideByAccount(deps, network, callbacks, asked, now, timing);
  }
  const decide = deciderFor(deps, subjectOf(network, asked, 'ISSUER_PUSH'), timing);
  const found = asked.receipt === undefined ? undefined : await findPushReceipt(deps.pool, network, asked.receipt);
  if (!found) return decide({}, DeclineReason.UnknownReceipt);
  return inEnrollmentTrace(traceOf(deps), found.enrollmentId, authorizeServiceSpan, async () => {
    const pushed = {
      card: { cardRef: found.cardRef, customerId: found.customerId },
      enrollmentId: found.enrollmentId,
      issuerAuthenticated: true,
    };
    if (found.tokenRequestorId !== asked.tokenRequestorId) return decide(pushed, DeclineReason.WrongTokenRequestor);
    if (found.expiresAt.getTime() <= now.getTime()) return decide(pushed, DeclineReason.ReceiptExpired);
    const refusal = await enrollmentRefusal(deps, found.enrollmentId, asked.receipt!);
    return decide(pushed, refusal);
  });
}

/** The span in the enrollment's trace for the network's question about it (enrollment-trace.ts: a child, linked). */
const authorizeServiceSpan = 'network callback authorizeService';

/** Where the enrollment's trace is kept. */
export const traceOf =
  ({ pool }: Pick<CorrelationDeps, 'pool'>): EnrollmentTraceLookup =>
  (enrollmentId) =>
    enrollmentTraceParent(pool, enrollmentId);

async function decideByAccount(
  deps: CorrelationDeps,
  network: CardNetwork,
  callbacks: NetworkCallbacks,
  asked: AuthorizationAsked,
  now: Date,
  timing: Timing,
): Promise<IssuerDecision> {
  const token = asked.tokenUniqueReference;
  const decide = deciderFor(deps, subjectOf(network, asked, asked.facts?.source ?? 'OTHER'), timing);
  if (token === undefined) return decide({}, DeclineReason.TokenReferenceMissing);
  let account;
  try {
    account = await callbacks.openAccount(asked.encryptedAccount, deps.credentials);
  } catch (error) {
    if (!(error instanceof CryptoFailure)) throw error;
    deps.warn?.({ code: error.code, network }, 'a card named by a network does not open');
    return decide({}, DeclineReason.AccountNotOpened);
  }
  const cards = await cardsWithNumber(deps.pool, deps.fingerprintKeys, network, account.accountNumber);
  if (cards.length === 0) return decide({}, DeclineReason.CardNotFound);
  const cardRefs = cards.map((card) => card.cardRef);
  const { tokenRequestorId } = asked;
  const provisioning = await findWalletProvisioning(deps.pool, {
    network,
    cardRefs,
    tokenRequestorId,
    now,
    tokenUniqueReference: token,
  });
  const sameExpiry = (card: VaultCard | undefined) =>
    card?.expiryMonth === account.expiryMonth && card.expiryYear === account.expiryYear;
  if (!provisioning) {
    const why = await whyNotProvisioned(deps.pool, network, cardRefs, tokenRequestorId, now);
    const walletInitiated = asked.facts?.source
      ? asked.facts.source !== 'ISSUER_APP'
      : why === DeclineReason.NotProvisioned;
    if (!walletInitiated) return decide({}, why);
    // Typed into the wallet, photographed, on file at a merchant: the issuer's rules decide. The issuer did not
    // push this card nor provision it: a source claiming so is not believed. The issuer's own card on file
    // is preferred to a number a customer typed in (whoever holds the card is the issuer's customer).
    const card =
      cards.find((candidate) => sameExpiry(candidate) && candidate.source === 'card-on-file') ?? cards.find(sameExpiry);
    if (!card) return decide({}, DeclineReason.ExpiryMismatch);
    const claimed = asked.facts?.source;
    const source = claimed === 'ISSUER_PUSH' || claimed === 'ISSUER_APP' ? 'OTHER' : (claimed ?? 'OTHER');
    return decide({ card: cardOf(card), source, issuerAuthenticated: false });
  }
  const card = cards.find((candidate) => candidate.cardRef === provisioning.cardRef);
  return inEnrollmentTrace(traceOf(deps), provisioning.enrollmentId, authorizeServiceSpan, async () => {
    const provisioned = {
      source: 'ISSUER_APP' as const,
      ...(card && { card: cardOf(card) }),
      enrollmentId: provisioning.enrollmentId,
      issuerAuthenticated: true,
    };
    if (!sameExpiry(card)) return decide(provisioned, DeclineReason.ExpiryMismatch);
    if (!(await bindTokenReference(deps.pool, network, provisioning.receipt, token))) {
      // Bound to another token: whatever was decided about that one, this one is not the provisioning's.
      return decide(provisioned, DeclineReason.ProvisioningUsed);
    }
    const refusal = await enrollmentRefusal(deps, provisioning.enrollmentId, provisioning.receipt);
    return decide(provisioned, refusal);
  });
}

/** The decision about a subject built on `base`: by the rules, or, given a refusal, that refusal, recorded. */
const deciderFor =
  (deps: CorrelationDeps, base: DecisionSubject, timing: Timing) =>
  (more: Partial<DecisionSubject>, refusal?: string): Promise<IssuerDecision> =>
    decideBy(deps.decisioning, { ...base, ...more }, timing, refusal);

const subjectOf = (network: CardNetwork, asked: AuthorizationAsked, source: TokenisationSource): DecisionSubject => ({
  network,
  tokenRequestorId: asked.tokenRequestorId,
  ...(asked.tokenUniqueReference !== undefined && { tokenUniqueReference: asked.tokenUniqueReference }),
  source,
  issuerAuthenticated: false,
  asked: asked.facts ?? {},
});

const cardOf = (card: VaultCard) => ({ cardRef: card.cardRef, customerId: card.customerId });

/** Why none of these cards has an open provisioning for this token requestor. */
async function whyNotProvisioned(
  db: Queryable,
  network: CardNetwork,
  cardRefs: string[],
  tokenRequestorId: string,
  now: Date,
): Promise<string> {
  const provisionings = await recentWalletProvisionings(db, { network, cardRefs });
  if (provisionings.length === 0) return DeclineReason.NotProvisioned;
  const forThisRequestor = provisionings.filter((each) => each.tokenRequestorId === tokenRequestorId);
  if (forThisRequestor.length === 0) return DeclineReason.WrongTokenRequestor;
  return forThisRequestor.some((each) => each.expiresAt.getTime() > now.getTime())
    ? DeclineReason.ProvisioningUsed
    : DeclineReason.ProvisioningExpired;
}

/** Why the enrollment cannot take this token (it must wait for its token requestor, this card pushed), or none. */
async function enrollmentRefusal(
  { pool, temporal }: Pick<CorrelationDeps, 'pool' | 'temporal'>,
  enrollmentId: string,
  receipt: string,
): Promise<string | undefined> {
  try {
    // The view the workflow recorded (written before the push's task completed, so before the token
    // requestor could have the receipt); the workflow itself only for an enrollment that recorded none.
    const view =
      (await enrollmentViewOf(pool, enrollmentId)) ??
      (await temporal.workflow.getHandle(enrollmentId).query(enrollmentViewQuery));
    const card = view.cards.find((candidate) => candidate.receipt === receipt);
    if (view.status !== 'AWAITING_TOKEN_REQUESTOR' || card?.state !== 'PUSHED') return `ENROLLMENT_${view.status}`;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return DeclineReason.EnrollmentNotFound;
    throw error;
  }
  return undefined;
}

/**
 * The receipt a reported token came from: the one it names (which its reference is then bound to, so that
 * later reports naming only the reference find it), or the one its reference is bound to.
 */
export async function receiptOfReportedToken(
  db: Queryable,
  network: CardNetwork,
  token: ReportedToken,
): Promise<KeptReceipt | undefined> {
  if (token.receipt !== undefined) {
    const found = await findPushReceipt(db, network, token.receipt);
    if (found && token.tokenUniqueReference !== undefined) {
      await bindTokenReference(db, network, token.receipt, token.tokenUniqueReference);
    }
    return found && { ...found, receipt: token.receipt };
  }
  return token.tokenUniqueReference === undefined
    ? undefined
    : findReceiptOfToken(db, network, token.tokenUniqueReference);
}
