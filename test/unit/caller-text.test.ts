import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  holdsCardNumber,
  isSafeCallerId,
  maskCardNumbers,
  maskCardNumbersIn,
  maskedUrl,
} from '../../domain/caller-text.js';

const pan = '4111111111111111';

describe('card-number-like runs in text a caller controls', () => {
  it('are found wherever they sit and however card numbers are written', () => {
    for (const text of [
      pan,
      `id${pan}`,
      `${pan}x`,
      `_${pan}_`,
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '4111.1111.1111.1111',
      '3782 822463 10005', // American Express, 4-6-5
      '4222222222222', // 13 digits
      `a0${pan}9999999`, // inside a longer run
      `MCC-${pan}`,
    ]) {
      expect([text, holdsCardNumber(text)]).toEqual([text, true]);
    }
  });

  it('are not found in ordinary text, nor in identifiers, nor in numbers that fail the check digit', () => {
    for (const text of [
      'Ada Lovelace',
      '12 Main Street, flat 3456',
      '2026-12-02T01:35:16.123Z',
      '12345678901',
      '4111111111111112', // not Luhn-valid
      '0004111111111111', // no card number starts with 0 and this one holds none
      '12345678-1234-1234-1234-123456789012', // a UUID made of digits: its groups never join
      'DWSPMC00000000AB12CD34EF56AB78CD90EF12AB34CD56',
    ]) {
      expect([text, holdsCardNumber(text)]).toEqual([text, false]);
    }
  });

  it('are almost never found in random identifiers (UUIDs, hex digests, token references)', () => {
    const identifiers = Array.from({ length: 20_000 }, (_, index) =>
      index % 2 === 0 ? randomUUID() : `DWSPMC00000000${randomBytes(16).toString('hex').toUpperCase()}`,
    );
    expect(identifiers.filter((identifier) => identifier.includes('-') && holdsCardNumber(identifier))).toEqual([]);
    // A hex token holds a Luhn-valid run of 13+ digits about twice in a thousand (counting digits alone:
    // about one in twenty)...
    expect(identifiers.filter(holdsCardNumber).length).toBeLessThan(60);
    // ...and where records are a memory, none is ever altered.
    expect(
      identifiers.filter((identifier) => maskCardNumbers(identifier, { standaloneOnly: true }) !== identifier),
    ).toEqual([]);
  });

  it('are masked to BIN and last four, or entirely when longer than a card number', () => {
    expect(maskCardNumbersIn(`card id${pan}, again 4111 1111 1111 1111.`)).toBe(
      'card id411111******1111, again 411111******1111.',
    );
    expect(maskCardNumbersIn(`x${pan}12345`)).toBe(`x${'*'.repeat(21)}`);
    expect(maskCardNumbersIn('order 1234567, ref 4111111111111112')).toBe('order 1234567, ref 4111111111111112');
  });

  it('are masked in keys and values of logged objects', () => {
    expect(
      maskCardNumbers({
        msg: 'card 5204 7316 0001 4792 refused',
        [pan]: [{ pan }, 'short 123456 stays'],
        error: new Error(`bad 4111-1111-1111-1111`),
      }),
    ).toEqual({
      msg: 'card 520473******4792 refused',
      '411111******1111': [{ pan: '411111******1111' }, 'short 123456 stays'],
      error: { type: 'Error', message: 'bad 411111******1111' },
    });
  });

  it('are masked standalone only where a record is also a memory, so that identifiers stay exact', () => {
    const reference = `DWSPMC00000000${pan}ABCDEF01234567`;
    expect(maskCardNumbersIn(reference)).not.toBe(reference);
    expect(
      maskCardNumbers({ tokenUniqueReference: reference, name: `Ada ${pan}`, id: `x${pan}` }, { standaloneOnly: true }),
    ).toEqual({ tokenUniqueReference: reference, name: 'Ada 411111******1111', id: `x${pan}` });
  });

  it('are masked in a URL however it was percent-encoded', () => {
    const encoded = [...pan].map((digit) => `%3${digit}`).join('');
    expect(maskedUrl(`/v1/cards/${encoded}?q=${pan}`)).toBe('/v1/cards/411111******1111?q=411111******1111');
    expect(maskedUrl(`/v1/%E0%A4%A/${encoded}?q=4111+1111+1111+1111`)).toBe(
      '/v1/%E0%A4%A/411111******1111?q=411111******1111',
    );
  });
});

describe('a caller-chosen id', () => {
  it('is kept when it has a safe shape', () => {
    for (const id of ['trace-42', 'a.b_c-D', '0123456789a', 'x'.repeat(64), randomUUID()]) {
      expect(isSafeCallerId(id)).toBe(true);
    }
  });

  it('is refused when it is long, odd or holds a card number', () => {
    for (const id of [
      '',
      'x'.repeat(65),
      'a b',
      'a<b>',
      'é',
      pan,
      `req-${pan}`,
      '4111-1111-1111-1111',
      undefined,
      42,
    ]) {
      expect([id, isSafeCallerId(id)]).toEqual([id, false]);
    }
  });
});
