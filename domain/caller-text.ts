/**
 * Text that someone outside controls (headers, path segments, query strings, free-text fields, a network's
 * message): how a card number hiding in it is found and masked, and which shapes of it may be echoed or
 * used as an identifier. One rule for the API, the worker, the sandbox and their logs.
 */
import { luhnValid, maskPan } from './card-number.js';

/**
 * What may stand between the digits of one card number as people and programs write it: one or two
 * spaces (any kind, tabs and no-break spaces included), hyphens or dashes, dots, underscores, slashes,
 * commas, colons, plus signs, or invisible characters (zero-width space, soft hyphen).
 */
const separator = /^[\s\u00a0\u00ad\u200b\u2010-\u2015_.,:/+\\-]{1,2}$/;

/**
 * A UUID is an identifier, not a number split in groups: its hyphens join no digits (otherwise seven
 * random UUIDs in a thousand would read as card numbers), unless its first three groups are all digits,
 * a card number written 8-4-4 (one random UUID in several thousand); where a record is also a memory,
 * never.
 */
const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

interface Candidate {
  start: number;
  end: number;
  digits: string;
}

/**
 * Card-number-like: 13 to 19 digits, not starting with 0, that pass the Luhn check, anywhere among a
 * run's digits: a card number alone, followed by its security code, or hidden inside a longer run. The
 * check digit is what tells a card number from the digits of random identifiers (hex digests, a
 * network's token references): a few such identifiers in a thousand pass, where counting digits alone
 * would catch one in twenty.
 */
function holdsCardWindow(digits: string): boolean {
  for (let start = 0; start + 13 <= digits.length; start += 1) {
    if (digits[start] === '0') continue;
    for (let length = 13; length <= 19 && start + length <= digits.length; length += 1) {
      if (luhnValid(digits.slice(start, start + length))) return true;
    }
  }
  return false;
}

/** Digits of other scripts (fullwidth, Arabic-Indic...) read as the ASCII digits they are, in place. */
function asciiDigits(text: string): string {
  return text.replace(/\p{Nd}/gu, (digit) => {
    if (/[0-9]/.test(digit) || digit.length !== 1) return digit;
    const code = digit.charCodeAt(0);
    // Unicode lays every decimal digit block out from 0 to 9: the value is the offset from the block's zero.
    for (let zero = code; zero > code - 10; zero -= 1) {
      if (!/\p{Nd}/u.test(String.fromCharCode(zero - 1))) return String(code - zero);
    }
    return digit;
  });
}

const anyDigit = /\p{Nd}/gu;

function fewerDigitsThanACard(text: string): boolean {
  anyDigit.lastIndex = 0;
  for (let count = 0; anyDigit.exec(text);) if ((count += 1) >= 13) return false;
  return true;
}

/**
 * The stretches of a text that hold a card-number-like run, in order: runs of digits joined by what
 * may separate a card number's groups, wherever they sit (inside a word too: `id4111…`). With
 * `standaloneOnly`, a run glued to a letter or digit on either side is passed over.
 */
function cardNumberSpans(original: string, standaloneOnly = false): Candidate[] {
  // Most texts (log keys, ids, messages) hold too few digits of any script to hold a card number at all.
  if (fewerDigitsThanACard(original)) return [];
  const text = asciiDigits(original);
  const hardBoundaries = new Set<number>();
  for (const uuid of text.matchAll(uuidPattern)) {
    const groups = uuid[0].split('-');
    const writtenAsCard = groups.slice(0, 3).every((group) => /^[0-9]+$/.test(group));
    if (standaloneOnly || !writtenAsCard) {
      for (let at = uuid.index, index = 0; index < groups.length - 1; index += 1) {
        at += groups[index]!.length;
        hardBoundaries.add(at);
        at += 1;
      }
    }
  }
  const groups = [...text.matchAll(/[0-9]+/g)].map((group) => ({ at: group.index, text: group[0] }));
  const spans: Candidate[] = [];
  for (let first = 0; first < groups.length;) {
    let last = first;
    while (last + 1 < groups.length) {
      const gapStart = groups[last]!.at + groups[last]!.text.length;
      const gap = text.slice(gapStart, groups[last + 1]!.at);
      if (!separator.test(gap) || hardBoundaries.has(gapStart)) break;
      last += 1;
    }
    const chain = groups.slice(first, last + 1);
    const start = chain[0]!.at;
    const end = chain.at(-1)!.at + chain.at(-1)!.text.length;
    const glued = /[\p{L}\p{N}]/u.test(text[start - 1] ?? '') || /[\p{L}\p{N}]/u.test(text[end] ?? '');
    const digits = chain.map((group) => group.text).join('');
    if (!(standaloneOnly && glued) && holdsCardWindow(digits)) spans.push({ start, end, digits });
    first = last + 1;
  }
  return spans;
}

/** Whether a text holds a card-number-like run (a free-text field holding one is refused). */
export function holdsCardNumber(text: string): boolean {
  return cardNumberSpans(text).length > 0;
}

/**
 * Whether a text holds a card number written as one: a card-number-like run that no letter or digit is glued
 * to. Digits glued to letters are an identifier's (a hex token reference holds a Luhn-valid run a few times
 * in a thousand). The rule of the records that are also a memory: the sandbox's ledger, the webhook outbox.
 */
export function holdsStandaloneCardNumber(text: string): boolean {
  return cardNumberSpans(text, true).length > 0;
}

/**
 * Every card-number-like run masked: a run of up to 19 digits to its first six and last four (what PCI
 * DSS 3.4.1 lets us show), a longer one entirely (where a card number sits in it cannot be told).
 */
export function maskCardNumbersIn(text: string): string {
  return masked(text, cardNumberSpans(text));
}

function masked(text: string, spans: Candidate[]): string {
  let result = '';
  let from = 0;
  for (const { start, end, digits } of spans) {
    result += text.slice(from, start) + (digits.length > 19 ? '*'.repeat(digits.length) : maskPan(digits));
    from = end;
  }
  return result + text.slice(from);
}

/**
 * Any value (strings, plain objects, arrays, errors) with every card-number-like run masked, keys
 * included: for logs. Objects of other classes (requests, replies) are left to their serializers.
 *
 * `standaloneOnly` is for records that are also a memory (the sandbox's ledger): there a run glued to
 * letters is left alone, so that an identifier (a hex digest, a token reference) is never altered, while
 * a card number written as one (in a name, a reason) is masked.
 */
export function maskCardNumbers(value: unknown, options: { standaloneOnly?: boolean } = {}, depth = 0): unknown {
  const mask = (text: string): string => masked(text, cardNumberSpans(text, options.standaloneOnly));
  if (typeof value === 'string') return mask(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: mask(value.message) };
  if (Array.isArray(value)) return value.map((item) => maskCardNumbers(item, options, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [mask(key), maskCardNumbers(item, options, depth + 1)]),
  );
}

/** A URL as a log may show it: percent-decoded where it decodes (so encoded digits are found), then masked. */
export function maskedUrl(url: string): string {
  const spaced = url.replaceAll('+', ' ');
  let decoded: string;
  try {
    decoded = decodeURIComponent(spaced);
  } catch {
    // Not valid UTF-8 as a whole: its ASCII escapes (where encoded digits would be) decoded one by one.
    decoded = spaced.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) =>
      parseInt(hex, 16) < 0x80 ? String.fromCharCode(parseInt(hex, 16)) : ' ',
    );
  }
  return maskCardNumbersIn(decoded);
}

/**
 * An identifier a caller may choose (a request id): 1 to 64 letters, digits, dots, underscores or hyphens,
 * and no card-number-like run. Anything else is not echoed: the caller's value is replaced by ours.
 */
export function isSafeCallerId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(value) && !holdsCardNumber(value);
}
