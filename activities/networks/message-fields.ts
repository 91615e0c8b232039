/**
 * The fields both networks' messages share, as zod schemas: identifiers, token requestor ids, token
 * states and instants. Shapes are tight on purpose: each of these may reach the database, a workflow or an
 * answer, and a field outside its shape refuses the message (4xx) instead of failing further in (5xx).
 */
import { z } from 'zod';
import type { ActivationMethod } from '../../domain/decisioning/activation.js';
import { holdsStandaloneCardNumber } from '../../domain/caller-text.js';
import type { TokenisationSource } from '../../domain/decisioning/rules.js';
import { tokenRequestorIdPattern } from '../../domain/enrollment.js';

/**
 * An identifier a network chose, as the issuer keeps it: never a card number written as one, which the
 * outbox and the ledgers would refuse further in (a 5xx); digits glued to letters are the identifier's own.
 */
const notACardNumber = <T extends z.ZodString>(identifier: T) =>
  identifier.refine((value) => !holdsStandaloneCardNumber(value), 'must not read as a card number');

/** A network's identifier (a receipt, a token reference, a request id): 1 to 64 of [A-Za-z0-9._:-]. */
export const networkIdentifier = notACardNumber(
  z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'must be 1 to 64 letters, digits, ".", "_", ":" or "-"'),
);

/** A token unique reference in the calls about a token (its status, lifecycle, card): 1 to 64 of [A-Za-z0-9_-]. */
export const tokenReference = notACardNumber(
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"'),
);

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

/**
 * Where the token requestor got the card (our reading of both networks' provisioning-decision fields; their
 * exact lists are the networks' own): typed, photographed, on file at a merchant, from the issuer's app, pushed.
 */
export const panSource = z.enum(['KEY_ENTERED', 'CAMERA_CAPTURED', 'ON_FILE', 'MOBILE_BANKING_APP', 'ISSUER_PUSH']);
const sourceOfPanSource: Record<z.infer<typeof panSource>, TokenisationSource> = {
  KEY_ENTERED: 'MANUAL_ENTRY',
  CAMERA_CAPTURED: 'CAMERA_CAPTURE',
  ON_FILE: 'CARD_ON_FILE',
  MOBILE_BANKING_APP: 'ISSUER_APP',
  ISSUER_PUSH: 'ISSUER_PUSH',
};
export const tokenisationSourceOf = (source: z.infer<typeof panSource> | undefined) =>
  source && sourceOfPanSource[source];
export const panSourceOf = (source: TokenisationSource): z.infer<typeof panSource> | undefined =>
  (Object.keys(sourceOfPanSource) as z.infer<typeof panSource>[]).find((wire) => sourceOfPanSource[wire] === source);

/** A wallet's score, 1 (riskiest) to 5, as the networks carry it: a one-digit string. */
export const walletScore = z
  .string()
  .regex(/^[1-5]$/, 'a score is 1 to 5')
  .transform(Number);

/** How the issuer offers a YELLOW cardholder to activate (the networks' public activation method types). */
export const activationMethodType = z.enum([
  'TEXT_TO_CARDHOLDER_NUMBER',
  'EMAIL_TO_CARDHOLDER_ADDRESS',
  'CARDHOLDER_TO_USE_ISSUER_MOBILE_APP',
]);
const typeOfChannel = {
  SMS: 'TEXT_TO_CARDHOLDER_NUMBER',
  EMAIL: 'EMAIL_TO_CARDHOLDER_ADDRESS',
  ISSUER_APP: 'CARDHOLDER_TO_USE_ISSUER_MOBILE_APP',
} as const;
export const activationMethodsOnWire = (methods: readonly ActivationMethod[] | undefined) =>
  methods?.map((method) => ({
    type: typeOfChannel[method.channel],
    ...(method.maskedDestination && { value: method.maskedDestination }),
  }));
export const ActivationMethodOnWire = z.object({ type: activationMethodType, value: z.string().max(64).optional() });
