/** Where Visa's sandbox answers: the issuer's push provisioning calls and the token requestors' calls. */
export const vtsPaths = {
  tokenRequestors: '/vts/v1/tokenRequestors',
  pushProvisionedCards: '/vts/v1/pushProvisionedCards',
  provisionedTokens: '/vts/v1/provisionedTokens',
  pushReceiptInquiry: '/vts/v1/pushReceipts/inquiry',
} as const;
