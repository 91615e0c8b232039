/** Custom search attributes of enrollment workflows: what operators filter on in the Temporal Web UI. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Values are stored in plaintext by Temporal: never put card data or anything derived from it here.
export const EnrollmentStatusKey = defineSearchAttributeKey('EnrollmentStatus', SearchAttributeType.KEYWORD);
export const CardNetworkKey = defineSearchAttributeKey('CardNetwork', SearchAttributeType.KEYWORD);
export const TokenRequestorIdKey = defineSearchAttributeKey('TokenRequestorId', SearchAttributeType.KEYWORD);
export const CaptureMethodKey = defineSearchAttributeKey('CaptureMethod', SearchAttributeType.KEYWORD);

export const enrollmentSearchAttributes = [
  EnrollmentStatusKey,
  CardNetworkKey,
  TokenRequestorIdKey,
  CaptureMethodKey,
] as const;
