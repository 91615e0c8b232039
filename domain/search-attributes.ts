/** Custom search attributes of enrollment workflows: what operators filter on in the Temporal Web UI. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Values are stored in plaintext by Temporal: never put card data or anything derived from it here.
export const EnrollmentStatusKey = defineSearchAttributeKey('EnrollmentStatus', SearchAttributeType.KEYWORD);
export const CardNetworkKey = defineSearchAttributeKey('CardNetwork', SearchAttributeType.KEYWORD);
export const TokenRequestorIdKey = defineSearchAttributeKey('TokenRequestorId', SearchAttributeType.KEYWORD);
export const CaptureMethodKey = defineSearchAttributeKey('CaptureMethod', SearchAttributeType.KEYWORD);
/** Wallet enrollments only: the wallet (APPLE_PAY...) and the device it provisions (MOBILE_PHONE, WATCH, TABLET). */
export const WalletKey = defineSearchAttributeKey('Wallet', SearchAttributeType.KEYWORD);
export const WalletDeviceTypeKey = defineSearchAttributeKey('WalletDeviceType', SearchAttributeType.KEYWORD);

export const enrollmentSearchAttributes = [
  EnrollmentStatusKey,
  CardNetworkKey,
  TokenRequestorIdKey,
  CaptureMethodKey,
  WalletKey,
  WalletDeviceTypeKey,
] as const;
