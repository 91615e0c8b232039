/**
 * The token requestors the sandbox networks know: three wallets (one of them the simulated Apple Wallet of
 * sandbox/wallets/apple-pay/) and a merchant, with the fields MDES's getEligibleTokenRequestors returns. Each
 * id is the same at both networks. Their push methods point at the sandbox's token requestor server.
 */
export type PushMethod = 'ANDROID' | 'IOS' | 'WEB';
export type AccountHolderDataKind = 'NAME' | 'ADDRESS' | 'EMAIL_ADDRESS' | 'MOBILE_PHONE_NUMBER';

export interface TokenRequestorProfile {
  tokenRequestorId: string;
  name: string;
  consumerFacingEntityName: string;
  tokenRequestorType: 'WALLET' | 'MERCHANT';
  walletId?: string;
  /** Card-number prefixes this token requestor accepts. */
  enabledAccountRanges: string[];
  supportedPushMethods: PushMethod[];
  supportsMultiplePushedCards: boolean;
  supportedAccountHolderData: AccountHolderDataKind[];
  supportsCardHolderAuthentication: boolean;
  supportIssuerInitiatedDigitizationData: boolean;
  /** Changes whenever the artwork does: an asset id never changes content. */
  imageAssetId: string;
  /** The artwork's name in assets/: an .svg and a .png, 192x192. */
  logo: string;
}

/** The simulated Apple Wallet's token requestor id, the same at MDES and at Visa. */
export const applePayTokenRequestorId = '50140052916';

export const tokenRequestors: readonly TokenRequestorProfile[] = [
  {
    tokenRequestorId: '50110030273',
    name: 'Sandpay Wallet',
    consumerFacingEntityName: 'Sandpay',
    tokenRequestorType: 'WALLET',
    walletId: '216',
    enabledAccountRanges: ['2', '4', '5'],
    supportedPushMethods: ['ANDROID', 'IOS', 'WEB'],
    supportsMultiplePushedCards: true,
    supportedAccountHolderData: ['NAME', 'ADDRESS', 'EMAIL_ADDRESS', 'MOBILE_PHONE_NUMBER'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: '3789637f-32a1-4810-a138-4bf34501c509',
    logo: 'sandpay-wallet',
  },
  {
    tokenRequestorId: '50120041835',
    name: 'Orchard Pay',
    consumerFacingEntityName: 'Orchard Pay',
    tokenRequestorType: 'WALLET',
    walletId: '103',
    enabledAccountRanges: ['4', '51', '52', '53', '54', '55'],
    supportedPushMethods: ['IOS', 'WEB'],
    supportsMultiplePushedCards: false,
    supportedAccountHolderData: ['NAME'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: '0c5a3b56-7a7e-4a3e-9d2c-51b8a4c6e2f1',
    logo: 'orchard-pay',
  },
  {
    tokenRequestorId: '50139059239',
    name: 'Market Street Shop',
    consumerFacingEntityName: 'Market Street',
    tokenRequestorType: 'MERCHANT',
    enabledAccountRanges: ['2', '4', '5'],
    supportedPushMethods: ['WEB'],
    supportsMultiplePushedCards: true,
    supportedAccountHolderData: ['NAME', 'ADDRESS', 'EMAIL_ADDRESS'],
    supportsCardHolderAuthentication: false,
    supportIssuerInitiatedDigitizationData: false,
    imageAssetId: 'b7e0d1c2-5f44-4f0e-8a61-9c2d7e3f4a10',
    logo: 'market-street-shop',
  },
  {
    tokenRequestorId: applePayTokenRequestorId,
    name: 'Apple Pay (sandbox)',
    consumerFacingEntityName: 'Apple Pay (sandbox)',
    tokenRequestorType: 'WALLET',
    // Made up, as the other wallets' are: not Apple's wallet id at the networks.
    walletId: '327',
    enabledAccountRanges: ['2', '4', '5'],
    supportedPushMethods: ['IOS'],
    supportsMultiplePushedCards: false,
    supportedAccountHolderData: ['NAME'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: 'e3f1a7c4-2b9d-4c61-8f05-6d2a9b7e41c8',
    logo: 'apple-pay-sandbox',
  },
];

export function findTokenRequestor(tokenRequestorId: string): TokenRequestorProfile | undefined {
  return tokenRequestors.find((profile) => profile.tokenRequestorId === tokenRequestorId);
}

export function findByAsset(assetId: string): TokenRequestorProfile | undefined {
  return tokenRequestors.find((profile) => profile.imageAssetId === assetId);
}

/** The URIs the issuer redirects the consumer to, per push method (<= 128 characters, per MDES). */
export function availablePushMethods(
  profile: TokenRequestorProfile,
  tokenRequestorsBaseUrl: string,
): { type: PushMethod; uri: string }[] {
  return profile.supportedPushMethods.map((type) => ({
    type,
    uri: `${tokenRequestorsBaseUrl}/tr/${profile.tokenRequestorId}/push/${type.toLowerCase()}`,
  }));
}

export function enabledFor(profile: TokenRequestorProfile, pan: string): boolean {
  return profile.enabledAccountRanges.some((range) => pan.startsWith(range));
}
