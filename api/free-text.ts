/**
 * Free-text fields (names, reasons, URLs, ids a caller chooses): the schema that refuses a card number
 * typed into one, and how the error handler tells that refusal (422) from a malformed request (400). A
 * card number in a name would otherwise travel where only masked numbers may go (logs, the networks'
 * ledgers, the token requestor's page).
 */
import type { z } from 'zod';
import { holdsCardNumber } from '../domain/caller-text.js';

const refusal = 'card-number-in-free-text';

/** A string field that must not hold a card-number-like run. */
export function freeText<T extends z.ZodType<string>>(schema: T): T {
  return schema.refine((value) => !holdsCardNumber(value), {
    message: 'must not hold a card number',
    params: { refusal },
  });
}

/** Whether a validation issue, as fastify-type-provider-zod reports it, is a card number in free text. */
export function isCardNumberRefusal(issue: { params?: unknown }): boolean {
  const params = (issue.params as { params?: { refusal?: unknown } } | undefined)?.params;
  return params?.refusal === refusal;
}
