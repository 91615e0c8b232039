/** The types of the ApplicationFailures the engine throws: one table, so that throwers, retry policies and callers agree. */
export const ErrorType = {
  /** The enrollment's input breaks a rule of the networks; retrying cannot help. */
  InvalidEnrollmentInput: 'InvalidEnrollmentInput',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];
