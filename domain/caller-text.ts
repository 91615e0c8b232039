/**
 * Text that someone outside controls (headers, path segments, query strings, free-text fields, a network's
 * message): how a card number hiding in it is found and masked, and which shapes of it may be echoed or
 * used as an identifier. One rule for the API, the worker, the sandbox and their logs.
 */

/**
 * A card-number-like run: 12 or more digits, consecutive ones separated by at most one space, hyphen,
 * dot, underscore, slash, plus, comma or colon, wherever it sits (inside a word too: `id4111…` hides a
 * card as well as `4111 1111 …` does). No check digit is required: a mistyped card number is still one.
 */
const cardNumberLikeRun = /\d(?:[\s\-._/+,:]?\d){11,}/g;

/** Whether a text holds a card-number-like run (a free-text field holding one is refused). */
export function holdsCardNumber(text: string): boolean {
  cardNumberLikeRun.lastIndex = 0;
  return cardNumberLikeRun.test(text);
}

/**
 * Every card-number-like run masked: a run of 12 to 19 digits to its first six and last four (what PCI
 * DSS 3.4.1 lets us show), a longer one entirely (where a card number sits in it cannot be told).
 */
export function maskCardNumbersIn(text: string): string {
  return text.replace(cardNumberLikeRun, (run) => {
    const digits = run.replace(/\D/g, '');
    if (digits.length > 19) return '*'.repeat(digits.length);
    return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
  });
}

/**
 * Any value (strings, plain objects, arrays, errors) with every card-number-like run masked, keys
 * included: for logs. Objects of other classes (requests, replies) are left to their serializers.
 */
export function maskCardNumbers(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskCardNumbersIn(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: maskCardNumbersIn(value.message) };
  }
  if (Array.isArray(value)) return value.map((item) => maskCardNumbers(item, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [maskCardNumbersIn(key), maskCardNumbers(item, depth + 1)]),
  );
}

/** A URL as a log may show it: percent-decoded where it decodes (so encoded digits are found), then masked. */
export function maskedUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url.replaceAll('+', ' '));
  } catch {
    // Not valid percent-encoding: masked as received.
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
