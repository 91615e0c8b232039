/**
 * The redirect the issuer sends the consumer with: its fields (the receipts, the issuer's callback URL,
 * MDES's signature...), how a page shows that URL, and how the consumer is sent back to it with the outcome.
 */
import { z } from 'zod';
import { holdsCardNumber, maskedUrl } from '../../domain/caller-text.js';
import type { TokenisationOutcome } from './network-calls.js';
import { pushReceiptPattern } from './networks.js';

export const Redirect = z.object({
  pushAccountReceipts: z
    .string()
    .min(1, 'pushAccountReceipts is missing')
    .transform((value) => value.split(','))
    .pipe(z.array(z.string().regex(pushReceiptPattern, 'not a push account receipt')).max(5)),
  // Only http(s): the page links back to it.
  callbackURL: z.url({ protocol: /^https?$/ }).optional(),
  /** MDES's JWS over the receipts and signature data; Visa pushes carry none. */
  signature: z.string().optional(),
  completeWebsiteActivation: z.string().optional(),
  accountHolderDataSupplied: z.string().optional(),
  locale: z.string().optional(),
});

/**
 * The issuer's callback URL as a page may show it and link to it: as sent when it holds no card number,
 * however written (its escapes decoded); otherwise decoded and masked, like a URL in a log.
 */
export function shownUrl(url: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(url);
  } catch {
    decoded = url.replace(/%([0-9a-fA-F]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return holdsCardNumber(url) || holdsCardNumber(decoded) ? maskedUrl(url) : url;
}

/** The issuer's callback URL with the outcome, so its page can say what happened. */
export function withStatus(callbackUrl: string, outcomes: TokenisationOutcome[]): string {
  const url = new URL(callbackUrl);
  url.searchParams.set(
    'status',
    outcomes.every((outcome) => outcome.status === 'ACTIVE')
      ? 'COMPLETED'
      : outcomes.map((outcome) => outcome.status).join(','),
  );
  return url.toString();
}
