import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  holdsCardNumber,
  isSafeCallerId,
  maskCardNumbers,
  maskCardNumbersIn,
  maskedUrl,
} from '../../domain/caller-text.js';
import { newIdentifier } from '../../domain/identifiers.js';

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
      `${pan}123`, // followed by its security code
      '4111 1111 1111 1111 123',
      `MCC-${pan}`,
      'req_4111_1111_1111_1111',
      'a4111 1111 1111 1111',
      'ab4111.1111.1111.1111',
      '2024.4111 1111 1111 1111', // a leading group with another separator
      '555-4111 1111 1111 1111',
      '4111  1111  1111  1111',
      '4111\t1111\t1111\t1111',
      '4111\u00a01111\u00a01111\u00a01111', // no-break spaces
      '4111/1111/1111/1111',
      '4111,1111,1111,1111',
      '4111:1111:1111:1111',
      '4111\u20131111\u20131111\u20131111', // en dashes
      '4111\u200b1111\u200b1111\u200b1111', // zero-width spaces
      '\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11', // fullwidth digits
      '41111111-1111-1111-a111-111111111111', // written 8-4-4 as a UUID
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
      '1234567890123', // 13 digits, no check digit
      '0004111111111',
      'cef04104-9823-4295-8626-679691b4f067', // a UUID: its hyphens join nothing
      'DWSPMC00000000AB12CD34EF56AB78CD90EF12AB34CD56',
    ]) {
      expect([text, holdsCardNumber(text)]).toEqual([text, false]);
    }
  });

  it('are seldom found in random identifiers, and never altered where records are a memory', () => {
    const uuids = Array.from({ length: 10_000 }, () => randomUUID());
    const references = Array.from(
      { length: 10_000 },
      () => `DWSPMC00000000${randomBytes(16).toString('hex').toUpperCase()}`,
    );
    // Measured: about 7 UUIDs in 10,000 (those whose first three groups are all digits), and about 60
    // hex tokens (a run of 13+ digits with a Luhn-valid stretch); counting digits alone: 350 and 500.
    expect(uuids.filter(holdsCardNumber).length).toBeLessThan(30);
    expect(references.filter(holdsCardNumber).length).toBeLessThan(150);
    for (const identifier of [...uuids, ...references]) {
      expect(maskCardNumbers(identifier, { standaloneOnly: true })).toBe(identifier);
    }
  });

  it('are masked to BIN and last four, or entirely when longer than a card number', () => {
    expect(maskCardNumbersIn(`card id${pan}, again 4111 1111 1111 1111.`)).toBe(
      'card id411111******1111, again 411111******1111.',
    );
    expect(maskCardNumbersIn(`x${pan}12345`)).toBe(`x${'*'.repeat(21)}`);
    expect(maskCardNumbersIn('order 1234567, ref 1234567890123')).toBe('order 1234567, ref 1234567890123');
    expect(maskCardNumbersIn(`${pan}123`)).toBe('411111*********1123');
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
      '/v1/  %A/411111******1111?q=411111******1111',
    );
    // Bytes that are not UTF-8 do not glue a number to what follows them.
    expect(maskedUrl('/%ff4111%201111%201111%201111')).toBe('/ 411111******1111');
  });
});

describe('an identifier the engine mints', () => {
  it('is a random UUID, drawn again when it would read as a card number', () => {
    const cardLike = '41111111-1111-1111-a111-111111111111'; // 8-4-4 digits: 4111 1111 1111 1111
    const draws = [cardLike, cardLike, 'cef04104-9823-4295-8626-679691b4f067'];
    expect(holdsCardNumber(cardLike)).toBe(true);
    expect(newIdentifier(() => draws.shift()!)).toBe('cef04104-9823-4295-8626-679691b4f067');
    const minted = Array.from({ length: 20_000 }, () => newIdentifier());
    expect(minted.filter(holdsCardNumber)).toEqual([]);
    expect(minted.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id))).toBe(
      true,
    );
  });
});

describe('a caller-chosen id', () => {
  it('is kept when it has a safe shape', () => {
    for (const id of ['trace-42', 'a.b_c-D', '0123456789a', 'x'.repeat(64), newIdentifier()]) {
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
