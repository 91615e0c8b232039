/** Where MDES's sandbox answers: the issuer's Token Connect calls and the token requestors' digitization calls. */
export const mdesPaths = {
  getEligibleTokenRequestors: '/mdes/connect/1/0/getEligibleTokenRequestors',
  pushMultipleAccounts: '/mdes/connect/1/0/pushMultipleAccounts',
  asset: '/mdes/issuer-assets/1/0/asset/tokenrequestor/:assetId',
  tokenize: '/mdes/digitization/static/1/0/tokenize',
  checkEligibility: '/mdes/digitization/static/1/0/checkEligibility',
} as const;
