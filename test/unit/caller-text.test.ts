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
  it('are found wherever they sit and however they are split', () => {
    for (const text of [
      pan,
      `id${pan}`,
      `${pan}x`,
      `_${pan}_`,
      '4111 1111 1111 1111',
      '4111-1111-1111-1111',
      '4111.1111.1111.1111',
      '4111/1111/1111/1111',
      '4111+1111+1111+1111',
      '411111111111', // 12 digits: the shortest card numbers
      `a${pan}9999999`, // inside a longer run
    ]) {
      expect([text, holdsCardNumber(text)]).toEqual([text, true]);
    }
  });

  it('are not found in ordinary text', () => {
    for (const text of [
      'Ada Lovelace',
      '12 Main Street, flat 3456',
      '2026-12-02T01:35:16.123Z',
      '12345678901',
      'req-42',
    ]) {
      expect([text, holdsCardNumber(text)]).toEqual([text, false]);
    }
  });

  it('are masked to BIN and last four, or entirely when longer than a card number', () => {
    expect(maskCardNumbersIn(`card id${pan}, again 4111 1111 1111 1111.`)).toBe(
      'card id411111******1111, again 411111******1111.',
    );
    expect(maskCardNumbersIn(`x${pan}12345`)).toBe(`x${'*'.repeat(21)}`);
    expect(maskCardNumbersIn('order 1234567')).toBe('order 1234567');
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

  it('are masked in a URL however it was percent-encoded', () => {
    const encoded = [...pan].map((digit) => `%3${digit}`).join('');
    expect(maskedUrl(`/v1/cards/${encoded}?q=${pan}`)).toBe('/v1/cards/411111******1111?q=411111******1111');
    expect(maskedUrl('/v1/%E0%A4%A/4111111111111111')).toBe('/v1/%E0%A4%A/411111******1111');
  });
});

describe('a caller-chosen id', () => {
  it('is kept when it has a safe shape', () => {
    for (const id of ['trace-42', 'a.b_c-D', '0123456789a', 'x'.repeat(64)]) expect(isSafeCallerId(id)).toBe(true);
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
