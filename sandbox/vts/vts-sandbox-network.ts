/** Visa as the sandbox's shared parts see it: Visa's range, receipts and token references. */
import { randomBytes, randomUUID } from 'node:crypto';
import { newIdentifier } from '../../domain/identifiers.js';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import { vtsTokenRequestorCalls } from './token-requestor-calls.js';

export const vtsSandboxNetwork: SandboxNetwork = {
  id: 'vts',
  cardNetwork: 'VISA',
  brand: 'Visa',
  accountRange: /^4/,
  receiptPrefixes: ['VTS'],
  newTokenReferences: () => ({
    // Visa's shapes (hex), drawn again when the digits would read as a card number.
    tokenUniqueReference: newIdentifier(() => randomBytes(16).toString('hex')),
    panUniqueReference: newIdentifier(() => `V${randomBytes(14).toString('hex').toUpperCase()}`),
  }),
  tokenRequestorCalls: vtsTokenRequestorCalls,
};

export const receiptFor = (): string => `VTS-${newIdentifier(randomUUID)}`;
