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
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

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
