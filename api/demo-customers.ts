/** The demo bank's customers and their cards on file, created in development (never in production). */
import type { CardVault } from '../activities/vault/card-vault.js';

export const demoCustomers = {
  ada: [
    { pan: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
    { pan: '4111111111111111', expiryMonth: 11, expiryYear: 2030, cardholderName: 'Ada Lovelace' },
  ],
  grace: [{ pan: '5555555555554444', expiryMonth: 1, expiryYear: 2032, cardholderName: 'Grace Hopper' }],
} as const;

/** Vaults the demo cards; a card already there keeps its reference. */
export async function seedDemoCustomers(vault: CardVault): Promise<void> {
  for (const [customerId, cards] of Object.entries(demoCustomers)) {
    for (const card of cards) await vault.store(customerId, card, 'card-on-file');
  }
}
