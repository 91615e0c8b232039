/** The types of the ApplicationFailures the engine throws: one table, so that throwers, retry policies and callers agree. */
export const ErrorType = {
  /** The enrollment's input breaks a rule of the networks; retrying cannot help. */
  InvalidEnrollmentInput: 'InvalidEnrollmentInput',
  /** A card-on-file id that does not exist or is not the customer's, or a staged capture that is gone. */
  CardNotFound: 'CardNotFound',
  /** A card the rules refuse: Luhn, expiry, an account range no network of ours knows. */
  InvalidCard: 'InvalidCard',
  /** The token requestor does not take this card or this push method. */
  NotEligible: 'NotEligible',
  /** The network did not answer, or answered 5xx: transient, retried with backoff. */
  NetworkUnavailable: 'NetworkUnavailable',
  /** The network answered 429: retried after its Retry-After. */
  NetworkRateLimited: 'NetworkRateLimited',
  /** The network refused the request's credentials or signature: a configuration problem, not retried. */
  NetworkAuthenticationFailed: 'NetworkAuthenticationFailed',
  /** The network could not decrypt the payload, or its answer's signature does not verify: not retried. */
  NetworkCryptographyError: 'NetworkCryptographyError',
  /** The network refused a field of the request: not retried. */
  NetworkRejectedRequest: 'NetworkRejectedRequest',
  /** The network declined on business grounds (card not eligible, receipt expired): not retried. */
  NetworkDeclined: 'NetworkDeclined',
  /** A webhook endpoint did not answer 2xx (or 410): retried with backoff, for days. */
  WebhookEndpointFailed: 'WebhookEndpointFailed',

  // An enrollment's refusals of a consumer's request (its update validators and handlers): the API
  // answers each by its type (api/refusals.ts), never by its message.
  /** What the request carries breaks the enrollment's rules (a code that is not six digits): sent again, the same. */
  InvalidRequest: 'InvalidRequest',
  /** The enrollment authenticates the cardholder another way (a code, or an app session's assertion). */
  WrongAuthenticationMethod: 'WrongAuthenticationMethod',
  /** The enrollment is not at the step this request belongs to: no code awaited, no card to confirm, not expired. */
  NotAwaited: 'NotAwaited',
  /** Allowed, but not yet: the details say when (`TooSoonDetails`). */
  TooSoon: 'TooSoon',
  /** What the request asks for is used up: the wrong codes, the resends, the one fresh push. */
  AttemptsExhausted: 'AttemptsExhausted',
  /** A card was added to the token requestor: the enrollment can no longer be cancelled. */
  CardAlreadyAdded: 'CardAlreadyAdded',
  /** The enrollment has ended: it takes no more requests. */
  EnrollmentEnded: 'EnrollmentEnded',
  /** A new code could not be sent (the SMS or e-mail gateway failed); the one the consumer has still counts. */
  CodeNotSent: 'CodeNotSent',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** The types an enrollment refuses a consumer's request with. */
export const refusalTypes = [
  ErrorType.InvalidRequest,
  ErrorType.WrongAuthenticationMethod,
  ErrorType.NotAwaited,
  ErrorType.TooSoon,
  ErrorType.AttemptsExhausted,
  ErrorType.CardAlreadyAdded,
  ErrorType.EnrollmentEnded,
  ErrorType.CodeNotSent,
] as const;
export type RefusalType = (typeof refusalTypes)[number];

export function isRefusalType(type: string | null | undefined): type is RefusalType {
  return refusalTypes.some((refusal) => refusal === type);
}

/** A TooSoon refusal's details: how long until the request may be sent again. */
export interface TooSoonDetails {
  retryAfterSeconds: number;
}

/** The details each refusal type carries (its failure's first detail); a type not listed carries none. */
export interface RefusalDetails {
  [ErrorType.TooSoon]: TooSoonDetails;
}

/** The failures a retry cannot fix: every activity options profile lists them as non-retryable. */
export const nonRetryableErrorTypes: ErrorType[] = [
  ErrorType.InvalidEnrollmentInput,
  ErrorType.CardNotFound,
  ErrorType.InvalidCard,
  ErrorType.NotEligible,
  ErrorType.NetworkAuthenticationFailed,
  ErrorType.NetworkCryptographyError,
  ErrorType.NetworkRejectedRequest,
  ErrorType.NetworkDeclined,
];
