/**
 * A whole number in a query string, in one spelling only: decimal digits, without a sign, an exponent, a base
 * prefix, spaces or a leading zero (`z.coerce.number()` reads `1e1`, `0x10`, `+10`, ` 10 ` and `010` as numbers
 * too). The OpenAPI document still says integer, with its bounds.
 */
import { z } from 'zod';

const decimal = /^(0|[1-9][0-9]{0,8})$/;

/** With `default`, an absent parameter reads as it (the document says so too). */
export function queryInteger(bounds: { min: number; max: number; default: number }) {
  return z.preprocess(
    (value) => (typeof value === 'string' && decimal.test(value) ? Number(value) : value),
    z
      .number({ error: 'must be a whole number in decimal digits' })
      .int()
      .min(bounds.min)
      .max(bounds.max)
      .default(bounds.default),
  );
}
