/** Response schemas the operator routes share: a token operation's per-token outcome, whichever operation it was. */
import { z } from 'zod';

/** One token's outcome in an operation on tokens (a lifecycle operation or a card replacement). */
export const TokenOperationOutcome = z.object({
  network: z.string(),
  tokenUniqueReference: z.string(),
  outcome: z.enum(['APPLIED', 'REFUSED']),
  status: z.string().optional(),
  refusal: z.string().optional(),
  message: z.string().optional(),
});
