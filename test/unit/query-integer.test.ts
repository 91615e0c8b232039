import { describe, expect, it } from 'vitest';
import { queryInteger } from '../../api/query-integer.js';

describe('a whole number in a query string', () => {
  const limit = queryInteger({ min: 1, max: 200, default: 50 });

  it('reads decimal digits, and the default when absent', () => {
    expect(limit.parse('1')).toBe(1);
    expect(limit.parse('200')).toBe(200);
    expect(limit.parse(undefined)).toBe(50);
  });

  it.each(['1e1', '0x10', '0b11', '0o7', '+10', '-0', '010', ' 10', '10 ', '10.0', '', '1_0', '٣'])(
    'refuses %j, another spelling of a number or none',
    (spelling) => {
      const parsed = limit.safeParse(spelling);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toBe('must be a whole number in decimal digits');
    },
  );

  it('refuses what is out of its bounds', () => {
    expect(limit.safeParse('0').success).toBe(false);
    expect(limit.safeParse('201').success).toBe(false);
    expect(limit.safeParse('9999999999').success).toBe(false);
  });
});
