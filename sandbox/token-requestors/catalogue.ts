/**
 * The token requestors the sandbox networks know: five wallets (three of them the simulated Apple, Google
 * and Samsung wallets of sandbox/wallets/) and a merchant, with the fields MDES's getEligibleTokenRequestors returns. Each
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
/** The simulated Google Wallet's (sandbox/wallets/google-pay/). */
export const googlePayTokenRequestorId = '50150067402';
/** The simulated Samsung Wallet's (sandbox/wallets/samsung-pay/). */
export const samsungPayTokenRequestorId = '50160071138';

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
    supportedPushMethods: ['IOS', 'WEB'],
    supportsMultiplePushedCards: false,
    supportedAccountHolderData: ['NAME'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: 'e3f1a7c4-2b9d-4c61-8f05-6d2a9b7e41c8',
    logo: 'apple-pay-sandbox',
  },
  {
    tokenRequestorId: googlePayTokenRequestorId,
    name: 'Google Pay (sandbox)',
    consumerFacingEntityName: 'Google Pay (sandbox)',
    tokenRequestorType: 'WALLET',
    // Made up, as the other wallets' are.
    walletId: '328',
    enabledAccountRanges: ['2', '4', '5'],
    supportedPushMethods: ['ANDROID', 'WEB'],
    supportsMultiplePushedCards: false,
    supportedAccountHolderData: ['NAME', 'ADDRESS', 'MOBILE_PHONE_NUMBER'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: '7d4e9a02-6c1b-4f3e-a8d5-2b60c9e1f743',
    logo: 'google-pay-sandbox',
  },
  {
    tokenRequestorId: samsungPayTokenRequestorId,
    name: 'Samsung Pay (sandbox)',
    consumerFacingEntityName: 'Samsung Pay (sandbox)',
    tokenRequestorType: 'WALLET',
    walletId: '329',
    enabledAccountRanges: ['2', '4', '5'],
    supportedPushMethods: ['ANDROID', 'WEB'],
    supportsMultiplePushedCards: false,
    supportedAccountHolderData: ['NAME'],
    supportsCardHolderAuthentication: true,
    supportIssuerInitiatedDigitizationData: true,
    imageAssetId: 'c2a85f17-94d0-4b6a-b3e2-0f71d8c5a926',
    logo: 'samsung-pay-sandbox',
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
