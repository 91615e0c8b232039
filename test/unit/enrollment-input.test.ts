import { describe, expect, it } from 'vitest';
import { enrollmentInputProblem, type EnrollmentInput } from '../../domain/enrollment.js';

const input: EnrollmentInput = {
  requestId: 'r',
  customerId: 'c',
  cards: [{ method: 'card-on-file', cardId: 'x' }],
  tokenRequestorId: '50110030273',
  pushMethod: 'WEB',
};

describe('an enrollment input', () => {
  it('is accepted as the networks allow it', () => {
    expect(enrollmentInputProblem(input)).toBeUndefined();
    expect(enrollmentInputProblem({ ...input, receiptTimerSecondsForDemo: 10 })).toBeUndefined();
  });

  it('is refused with the rule it breaks', () => {
    expect(enrollmentInputProblem({ ...input, cards: [] })).toBe('an enrollment pushes 1 to 5 cards');
    expect(enrollmentInputProblem({ ...input, tokenRequestorId: '1' })).toBe('tokenRequestorId must be 11 digits');
    expect(enrollmentInputProblem({ ...input, receiptValidityMinutes: 4 })).toMatch(/from 5 to 15, not 4/);
    expect(enrollmentInputProblem({ ...input, receiptTimerSecondsForDemo: 0 })).toMatch(/from 1 to 900/);
  });
});
