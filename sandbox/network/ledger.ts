/**
 * A sandbox's ledger: every push, tokenisation, callback and injected fault it performed, in order,
 * appended to a JSON-lines file (so a restarted sandbox remembers its receipts and tokens) and readable
 * over HTTP. It never holds a card number: masked PANs and references only, and a card number written
 * anywhere else in an entry (a name, a reason, a caller's text, a key) is masked on the way in, glued to
 * letters or not. Identifiers are the network's memory and stay exact: in them only a card number standing
 * alone is masked, never a run of digits inside one.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { maskCardNumbers, maskCardNumbersIn } from '../../domain/caller-text.js';

export interface LedgerEntry {
  seq: number;
  at: string;
  kind: string;
  [detail: string]: unknown;
}

export class Ledger {
  private readonly entries: LedgerEntry[] = [];

  private constructor(private readonly file: string | undefined) {}

  /** A ledger kept in `file` (created if missing), or only in memory. */
  static open(file?: string): Ledger {
    const ledger = new Ledger(file);
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (line.trim()) ledger.entries.push(JSON.parse(line) as LedgerEntry);
      }
    } else if (file) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    }
    return ledger;
  }

  /** Records an entry; written to the file before this returns, so a reply never runs ahead of the ledger. */
  append(kind: string, details: Record<string, unknown>, now: Date = new Date()): LedgerEntry {
    const entry: LedgerEntry = {
      seq: this.entries.length + 1,
      at: now.toISOString(),
      kind,
      ...(masked(details, false) as Record<string, unknown>),
    };
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.entries.push(entry);
    return entry;
  }

  /** Entries matching every given field (e.g. `{ kind: 'push', requestId }`), oldest first. */
  find(filter: Record<string, string | undefined> = {}): LedgerEntry[] {
    const conditions = Object.entries(filter).filter(([, value]) => value !== undefined);
    return this.entries.filter((entry) => conditions.every(([field, value]) => String(entry[field]) === value));
  }
}

/**
 * The keys whose values must stay exact, because the network looks them up, compares them or hands them
 * back as they are: identifiers (requestId, correlationId, clientCardID, pushAccountIds, receipt,
 * pushAccountReceipts, tokenUniqueReference...), the fingerprint a replayed push is compared by, and the
 * signed data it answers again (signature, issuerInitiatedDigitizationData). Everything else is text.
 */
const exactValueKey =
  /(?:Ids?|IDs?|References?|Receipts?)$|^(?:receipt|fingerprint|signature|issuerInitiatedDigitizationData)$/;

/**
 * An entry's details masked: keys fully, values under an exact-value key (and the arrays it holds) only
 * where a card number stands alone, every other value fully. Objects below decide by their own keys.
 */
function masked(value: unknown, exact: boolean): unknown {
  if (Array.isArray(value)) return value.map((item) => masked(item, exact));
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) {
    return maskCardNumbers(value, { standaloneOnly: exact });
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [maskCardNumbersIn(key), masked(item, exactValueKey.test(key))]),
  );
}
