/**
 * Text that someone outside controls (headers, path segments, query strings, free-text fields, a network's
 * message): how a card number hiding in it is found and masked, and which shapes of it may be echoed or
 * used as an identifier. One rule for the API, the worker, the sandbox and their logs.
 */
import { luhnValid } from './card-number.js';

/**
 * Digits as card numbers are written: contiguous, or in groups of 3 to 6 split by one space, hyphen or
 * dot (the same one throughout). Contiguous digits count wherever they sit, inside a word too
 * (`id4111…`); groups only when each is whole, so that identifiers made of hex groups (a UUID's 8-4-4-4-12)
 * never join into one.
 */
const digitsAndSeparators = /\d+(?:[ .-]\d+)*/g;

interface Candidate {
  start: number;
  end: number;
  digits: string;
}

/**
 * Card-number-like: 13 to 19 digits, leading zeros aside (no card number starts with 0), that pass the
 * Luhn check; in a longer run, any 13 to 19 of them that do (a card number hidden inside it). The check
 * digit is what tells a card number from the digits of random identifiers (hex digests, a network's
 * token references, which often start with zeros): about one such identifier in several thousand
 * passes, where counting digits alone would catch one in twenty.
 */
function holdsCardWindow(run: string): boolean {
  const digits = run.replace(/^0+/, '');
  if (digits.length < 13) return false;
  if (digits.length <= 19) return luhnValid(digits);
  for (let start = 0; start + 13 <= digits.length; start += 1) {
    if (digits[start] === '0') continue;
    for (let length = 13; length <= 19 && start + length <= digits.length; length += 1) {
      if (luhnValid(digits.slice(start, start + length))) return true;
    }
  }
  return false;
}

/** The stretches of a text that hold a card-number-like run, without overlaps, in order. */
function cardNumberSpans(text: string, standaloneOnly = false): Candidate[] {
  const spans: Candidate[] = [];
  for (const match of text.matchAll(digitsAndSeparators)) {
    const offset = match.index;
    const parts = [...match[0].matchAll(/\d+|[ .-]/g)].map((part) => ({ text: part[0], at: offset + part.index }));
    const groups = parts.filter((part) => /\d/.test(part.text));
    // A whole group stands between separators or non-alphanumerics: in "b740-5917" the 740 is part of a word.
    const whole = (group: { text: string; at: number }): boolean =>
      !/[A-Za-z0-9]/.test(text[group.at - 1] ?? '') && !/[A-Za-z0-9]/.test(text[group.at + group.text.length] ?? '');
    const chainable = (group: { text: string; at: number }): boolean =>
      group.text.length >= 3 && group.text.length <= 6 && whole(group);
    const taken: Candidate[] = [];
    // Chains of whole groups of 3 to 6 digits, one separator throughout: "4111 1111 1111 1111".
    for (let first = 0; first < groups.length;) {
      let last = first;
      const separator = parts[parts.indexOf(groups[first]!) + 1]?.text;
      while (
        last + 1 < groups.length &&
        chainable(groups[last]!) &&
        chainable(groups[last + 1]!) &&
        parts[parts.indexOf(groups[last]!) + 1]?.text === separator
      ) {
        last += 1;
      }
      if (last > first) {
        const chain = groups.slice(first, last + 1);
        const digits = chain.map((group) => group.text).join('');
        const end = chain.at(-1)!.at + chain.at(-1)!.text.length;
        if (holdsCardWindow(digits)) taken.push({ start: chain[0]!.at, end, digits });
      }
      first = last + 1;
    }
    // Contiguous digits, however long and wherever they sit.
    for (const group of groups) {
      const inside = taken.some((span) => group.at >= span.start && group.at < span.end);
      if (!inside && (!standaloneOnly || whole(group)) && holdsCardWindow(group.text)) {
        taken.push({ start: group.at, end: group.at + group.text.length, digits: group.text });
      }
    }
    spans.push(...taken.sort((a, b) => a.start - b.start));
  }
  return spans;
}

/** Whether a text holds a card-number-like run (a free-text field holding one is refused). */
export function holdsCardNumber(text: string): boolean {
  return cardNumberSpans(text).length > 0;
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
    result +=
      text.slice(from, start) +
      (digits.length > 19
        ? '*'.repeat(digits.length)
        : `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`);
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
    decoded = spaced.replace(/%([0-7][0-9a-fA-F])/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
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
