// The networks' identifiers as the issuer takes them (callbacks, the calls about a token, the sandbox's
// seeded tokens): a card number written as one is refused at the schema, naming no value, while digits
// glued to letters, as in the networks' own token references, are the identifier's.
import { describe, expect, it } from 'vitest';
import { networkIdentifier, tokenReference } from '../../activities/networks/message-fields.js';

const pan = '5204731600014792';

describe.each([
  ['networkIdentifier', networkIdentifier],
  ['tokenReference', tokenReference],
] as const)('%s', (_name, schema) => {
  it('refuses a card number written as one, without quoting it', () => {
    for (const value of [pan, `MCC-${pan}`, `${pan}-1`, '5204-7316-0001-4792', `req_${pan}`]) {
      const result = schema.safeParse(value);
      expect(result.success, value).toBe(false);
      expect(JSON.stringify(result.error?.issues.map(({ path, message }) => ({ path, message })))).not.toContain(
        pan.slice(6, 12),
      );
    }
    expect(schema.safeParse(pan).error?.issues[0]?.message).toBe('must not read as a card number');
  });

  it("takes a network's own references, digits glued to letters included", () => {
    for (const value of [
      'DWSPMC000000000132d72d4fcb2f4136a0532d3093ff1a45',
      `DWSPMC${pan}`,
      `${pan}ab`,
      '4a9c0e2f5b7d41e3a6c8b0d2f4e6a8c0',
      '50110030273',
    ]) {
      expect(schema.safeParse(value).success, value).toBe(true);
    }
  });
});
