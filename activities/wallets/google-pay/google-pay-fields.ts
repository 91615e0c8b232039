/** The fields Google Pay's in-app and web push share: the token service provider, and the cardholder's address. */
import type { CustomerProfile } from '../../../db/customer-profiles.js';
import type { CardNetwork } from '../../../domain/enrollment.js';
import type { GooglePayUserAddress, GoogleTokenServiceProvider } from '../../../domain/wallets.js';

/** The token service providers as Google names them, for the networks Google Pay takes. */
export const tokenServiceProviders: Partial<Record<CardNetwork, GoogleTokenServiceProvider>> = {
  MASTERCARD: 'TOKEN_PROVIDER_MASTERCARD',
  VISA: 'TOKEN_PROVIDER_VISA',
};

/**
 * TapAndPay's UserAddress from the customer's billing address (kept in MDES's field names: line1, line2,
 * city, countrySubdivision, postalCode, country) and mobile number; none when the issuer keeps no address.
 * The country is carried as the profile keeps it (Google takes ISO 3166 alpha-2).
 */
export function userAddressOf(
  cardholderName: string | undefined,
  holder: CustomerProfile | undefined,
): GooglePayUserAddress | undefined {
  const address = holder?.billingAddress;
  if (!address) return undefined;
  const phone = holder.mobilePhoneNumber;
  return {
    name: cardholderName ?? '',
    address1: address.line1 ?? '',
    address2: address.line2 ?? '',
    locality: address.city ?? '',
    administrativeArea: address.countrySubdivision ?? '',
    countryCode: address.country ?? '',
    postalCode: address.postalCode ?? '',
    phoneNumber: phone ? `+${phone.countryDialInCode}${phone.phoneNumber}` : '',
  };
}
