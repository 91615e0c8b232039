import { describe, expect, it } from 'vitest';
import { parseCardText } from '../../activities/capture/tesseract-card-reader.js';
import { cardProblem, maskPan, routeCard } from '../../domain/card-number.js';

const now = new Date('2026-11-21T12:00:00Z');

describe('reading a card from OCR text', () => {
  it('finds the number in groups, the expiry and the name', () => {
    expect(parseCardText('MY BANK\n5204 7316 0001 4792\nVALID THRU 09/31\nADA LOVELACE\n', now)).toEqual({
      pan: '5204731600014792',
      expiryMonth: 9,
      expiryYear: 2031,
      cardholderName: 'ADA LOVELACE',
    });
  });

  it('takes the latest date that has not passed when the card prints VALID FROM and VALID THRU', () => {
    expect(parseCardText('4111-1111-1111-1111\nVALID FROM 01/24 VALID THRU 01/2029', now)).toMatchObject({
      expiryMonth: 1,
      expiryYear: 2029,
    });
  });

  it('skips digit runs that fail the Luhn check or route to no network', () => {
    expect(parseCardText('1234 5678 9012 3456\n4111 1111 1111 1111\n12/30', now)?.pan).toBe('4111111111111111');
    expect(parseCardText('5204 7316 0001 4793\n12/30', now)).toBeUndefined();
    expect(parseCardText('6011 1111 1111 1117\n12/30', now)).toBeUndefined();
  });

  it('finds nothing without an expiry still to come', () => {
    expect(parseCardText('5204 7316 0001 4792\nVALID THRU 09/21', now)).toBeUndefined();
  });
});

describe('card numbers', () => {
  it('routes co-badged domestic cards to their international network', () => {
    expect(routeCard('4970101234567890')).toEqual({ network: 'VISA', domesticScheme: 'CB', bin: '497010' });
    expect(routeCard('5132000000000005')).toMatchObject({ network: 'MASTERCARD', domesticScheme: 'CB' });
    expect(routeCard('2221000000000009')).toMatchObject({ network: 'MASTERCARD' });
    expect(routeCard('3400000000000009')).toBeUndefined();
  });

  it('shows BIN and last four at most', () => {
    expect(maskPan('5204731600014792')).toBe('520473******4792');
  });

  it('names what is wrong with a card without repeating its number', () => {
    const card = { pan: '5204731600014793', expiryMonth: 9, expiryYear: 2031 };
    expect(cardProblem(card, now)).toBe('The card number is not valid (check digit)');
    expect(cardProblem({ ...card, pan: '5204731600014792', expiryYear: 2025 }, now)).toBe('The card has expired');
    expect(cardProblem({ ...card, pan: '6011111111111117' }, now)).toBe(
      'The card is not from a network this issuer pushes to',
    );
    expect(cardProblem({ ...card, pan: '5204731600014792' }, now)).toBeUndefined();
  });
});
