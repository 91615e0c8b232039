/** MDES as the sandbox's shared parts see it: Mastercard's ranges, receipts and token references. */
import { randomBytes, randomUUID } from 'node:crypto';
import { newIdentifier } from '../../domain/identifiers.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import { mdesTokenRequestorCalls } from './token-requestor-calls.js';

// MDES's shape (a prefix, then hex), drawn again when the digits would read as a card number: an id holding one
// would be masked in every log and refused in the engine's ids.
const reference = (prefix: string): string =>
  newIdentifier(() => `${prefix}${randomBytes(16).toString('hex').toUpperCase()}`);

export const mdesSandboxNetwork: SandboxNetwork = {
  id: 'mdes',
  cardNetwork: 'MASTERCARD',
  brand: 'Mastercard',
  // Mastercard 2-series, 51-55, and Maestro.
  accountRange: /^(2(2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|5[0-8]|6[37])/,
  receiptPrefixes: ['MCC', 'DMC', 'MSI', 'PVL'],
  newTokenReferences: () => ({
    tokenUniqueReference: reference('DWSPMC00000000'),
    panUniqueReference: reference('FWSPMC00000000'),
  }),
  tokenRequestorCalls: mdesTokenRequestorCalls,
};

/** A push account receipt for this card: its product's prefix (Maestro, debit, credit), then a UUID. */
export function receiptFor(pan: string): string {
  const product = /^(5[06-8]|6)/.test(pan) ? 'MSI' : pan.startsWith('53') ? 'DMC' : 'MCC';
  return `${product}-${newIdentifier(randomUUID)}`;
}
