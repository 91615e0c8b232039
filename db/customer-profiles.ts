/**
 * What the issuer knows of its customers beyond their cards: the account holder data a token requestor
 * may ask for with a pushed card.
 */
import type { Queryable } from './queryable.js';

export interface CustomerProfile {
  emailAddress?: string;
  /** Only when both its parts are known. */
  mobilePhoneNumber?: { countryDialInCode: string; phoneNumber: string };
  billingAddress?: Record<string, string>;
}

/** The customer's profile; undefined when the issuer keeps none. */
export async function customerProfileOf(db: Queryable, customerId: string): Promise<CustomerProfile | undefined> {
  const { rows } = await db.query<{
    email_address: string | null;
    mobile_dial_in_code: string | null;
    mobile_number: string | null;
    billing_address: Record<string, string> | null;
  }>(
    'SELECT email_address, mobile_dial_in_code, mobile_number, billing_address FROM customer_profiles WHERE customer_id = $1',
    [customerId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    ...(row.email_address && { emailAddress: row.email_address }),
    ...(row.mobile_dial_in_code &&
      row.mobile_number && {
        mobilePhoneNumber: { countryDialInCode: row.mobile_dial_in_code, phoneNumber: row.mobile_number },
      }),
    ...(row.billing_address && { billingAddress: row.billing_address }),
  };
}
