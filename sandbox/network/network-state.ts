/**
 * A sandbox network's memory, rebuilt from its ledger: the pushes already answered (for requestId
 * idempotency), the receipts they issued, the tokenisations of cards named by themselves (a wallet's, by
 * requestId) and the tokens created from either. Card data appears only masked: the network keeps what it
 * needs to show the card (last four digits, expiry), not the PAN.
 */
import type { Ledger, LedgerEntry } from './ledger.js';

export interface PushedAccount {
  receipt: string;
  pushAccountId: string;
  tokenRequestorId: string;
  requestId: string;
  /** BIN and last four, e.g. 520473******4792. */
  maskedPan: string;
  panSuffix: string;
  expiryMonth: string;
  expiryYear: string;
  accountHolderName?: string;
  /** Which account holder data fields came with the card (names only, never values). */
  accountHolderDataFields?: string[];
  issuedAt: string;
  expiresAt: string;
}

/** A card as the network shows it (and as it keeps one a token requestor named by itself): never the PAN. */
export type ShownAccount = Pick<
  PushedAccount,
  'tokenRequestorId' | 'maskedPan' | 'panSuffix' | 'expiryMonth' | 'expiryYear'
>;

export type TokenStatus = 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';

export interface Token {
  tokenUniqueReference: string;
  panUniqueReference: string;
  /** The receipt it was made from; none for a card the token requestor named by itself. */
  receipt?: string;
  tokenRequestorId: string;
  status: TokenStatus;
  statusTimestamp: string;
  tokenPanSuffix: string;
  accountPanSuffix: string;
}

export interface AnsweredPush {
  /** What identifies the request apart from its (freshly encrypted) payload. */
  fingerprint: string;
  response: unknown;
}

export class NetworkState {
  private readonly pushes = new Map<string, AnsweredPush>();
  private readonly receipts = new Map<string, PushedAccount>();
  private readonly tokens = new Map<string, Token>();
  /** Receipt -> the tokenisation it was used for (or the refusal it met). */
  private readonly tokenisations = new Map<string, { requestId: string; response: unknown }>();
  /** requestId -> the tokenisation of a card named by itself, and that card as kept. */
  private readonly accountTokenisations = new Map<string, { account: ShownAccount; response: unknown }>();

  private readonly underWay = new Map<string, Promise<unknown>>();

  constructor(private readonly ledger: Ledger) {
    for (const entry of ledger.find()) this.apply(entry);
  }

  /**
   * Handles the pushes of one requestId one after the other: a retry sent while the first is still being
   * handled waits for it, and is then answered as a replay.
   */
  async oneAtATime<T>(requestId: string, handle: () => Promise<T>): Promise<T> {
    const current = (this.underWay.get(requestId) ?? Promise.resolve()).catch(() => undefined).then(handle);
    this.underWay.set(requestId, current);
    try {
      return await current;
    } finally {
      if (this.underWay.get(requestId) === current) this.underWay.delete(requestId);
    }
  }

  answeredPush(requestId: string): AnsweredPush | undefined {
    return this.pushes.get(requestId);
  }

  recordPush(details: {
    requestId: string;
    tokenRequestorId: string;
    fingerprint: string;
    response: unknown;
    accounts: PushedAccount[];
    declined: { pushAccountId: string; maskedPan?: string; reasonCode: string }[];
    /** How the card data came encrypted (the profile's wire format), for whoever debugs an integration. */
    encryption: string;
  }): void {
    this.apply(this.ledger.append('push', details));
  }

  receipt(receipt: string): PushedAccount | undefined {
    return this.receipts.get(receipt);
  }

  /** Makes a receipt's validity end now (admin knob). */
  expireReceipt(receipt: string, now: Date = new Date()): boolean {
    if (!this.receipts.has(receipt)) return false;
    this.apply(this.ledger.append('receipt.expired', { receipt, expiresAt: now.toISOString() }, now));
    return true;
  }

  tokenisationOf(receipt: string): { requestId: string; response: unknown } | undefined {
    return this.tokenisations.get(receipt);
  }

  accountTokenisationOf(requestId: string): { account: ShownAccount; response: unknown } | undefined {
    return this.accountTokenisations.get(requestId);
  }

  /** A tokenisation, of a receipt's card or (`account`, without a receipt) of a card named by itself. */
  recordTokenisation(
    details: { requestId: string; response: unknown; token?: Token; decision: string } & (
      { receipt: string } | { account: ShownAccount }
    ),
  ): void {
    this.apply(this.ledger.append('tokenize', details));
  }

  token(tokenUniqueReference: string): Token | undefined {
    return this.tokens.get(tokenUniqueReference);
  }

  recordTokenStatus(tokenUniqueReference: string, status: TokenStatus, reason: string, now: Date = new Date()): Token {
    const entry = this.ledger.append(
      'token.status',
      { tokenUniqueReference, status, reason, statusTimestamp: now.toISOString() },
      now,
    );
    this.apply(entry);
    return this.tokens.get(tokenUniqueReference)!;
  }

  /** The token follows its card's replacement: its account's last four change, nothing else of it. */
  recordCardReplaced(details: { tokenUniqueReference: string; accountPanSuffix: string; [detail: string]: unknown }) {
    this.apply(this.ledger.append('token.card.replaced', details));
    return this.tokens.get(details.tokenUniqueReference)!;
  }

  private apply(entry: LedgerEntry): void {
    switch (entry.kind) {
      case 'token.card.replaced': {
        const { tokenUniqueReference, accountPanSuffix } = entry as unknown as Pick<
          Token,
          'tokenUniqueReference' | 'accountPanSuffix'
        >;
        const token = this.tokens.get(tokenUniqueReference);
        if (token) this.tokens.set(tokenUniqueReference, { ...token, accountPanSuffix });
        break;
      }
      case 'push': {
        const push = entry as unknown as {
          requestId: string;
          fingerprint: string;
          response: unknown;
          accounts: PushedAccount[];
        };
        this.pushes.set(push.requestId, { fingerprint: push.fingerprint, response: push.response });
        for (const account of push.accounts) this.receipts.set(account.receipt, account);
        break;
      }
      case 'receipt.expired': {
        const { receipt, expiresAt } = entry as unknown as { receipt: string; expiresAt: string };
        const account = this.receipts.get(receipt);
        if (account) this.receipts.set(receipt, { ...account, expiresAt });
        break;
      }
      case 'tokenize': {
        const tokenisation = entry as unknown as {
          requestId: string;
          receipt?: string;
          account?: ShownAccount;
          response: unknown;
          token?: Token;
        };
        const { requestId, response } = tokenisation;
        if (tokenisation.receipt !== undefined) this.tokenisations.set(tokenisation.receipt, { requestId, response });
        else if (tokenisation.account) {
          this.accountTokenisations.set(requestId, { account: tokenisation.account, response });
        }
        if (tokenisation.token) this.tokens.set(tokenisation.token.tokenUniqueReference, tokenisation.token);
        break;
      }
      case 'token.status': {
        const change = entry as unknown as {
          tokenUniqueReference: string;
          status: TokenStatus;
          statusTimestamp: string;
        };
        const token = this.tokens.get(change.tokenUniqueReference);
        if (token)
          this.tokens.set(token.tokenUniqueReference, {
            ...token,
            status: change.status,
            statusTimestamp: change.statusTimestamp,
          });
        break;
      }
    }
  }
}

export { luhnValid, maskPan } from '../../domain/card-number.js';
