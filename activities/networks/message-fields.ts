/**
 * The fields both networks' messages share, as zod schemas: identifiers, token requestor ids, token
 * states and instants. Shapes are tight on purpose: each of these may reach the database, a workflow or an
 * answer, and a field outside its shape refuses the message (4xx) instead of failing further in (5xx).
 */
import { z } from 'zod';
import { tokenRequestorIdPattern } from '../../domain/enrollment.js';

/** A network's identifier (a receipt, a token reference, a request id): 1 to 64 of [A-Za-z0-9._:-]. */
export const networkIdentifier = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_", ":" or "-"');

/** A reason or event code, as the networks spell them: upper case and underscores. */
export const networkCode = z.string().regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'must be an upper-case code');

export const tokenRequestorId = z.string().regex(tokenRequestorIdPattern, 'a token requestor id is 11 digits');

export const tokenStatus = z.enum(['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED']);

export const tokenType = z.enum(['EMBEDDED_SE', 'CLOUD', 'STATIC']);

/** An ISO 8601 instant with its offset, since 2000. */
export const networkInstant = z.iso
  .datetime({ offset: true })
  .refine((value) => Date.parse(value) >= Date.UTC(2000, 0, 1), 'must be an instant since 2000');

/** The issuer's answer to authorizeService. */
export const issuerDecision = z.enum(['APPROVED', 'DECLINED', 'REQUIRE_ADDITIONAL_AUTHENTICATION']);
