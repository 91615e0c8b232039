// The migrations' names are kept by PostgreSQL (node-pg-migrate's table) and shown in its logs: a name whose
// timestamp reads as a card number (13 digits that pass the Luhn check: one timestamp in ten) would put a
// card-number-like run into the database, which the card-data checks refuse. Each name must hold none.
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { holdsCardNumber } from '../../domain/caller-text.js';

it('no migration is named with a card-number-like run', async () => {
  const names = await readdir(fileURLToPath(new URL('../../db/migrations', import.meta.url)));
  expect(names.length).toBeGreaterThan(10);
  expect(names.filter((name) => holdsCardNumber(name))).toEqual([]);
  expect(holdsCardNumber('1764907200000_tokenisation-decisions.sql')).toBe(true);
});
