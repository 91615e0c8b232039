/** Visa as the sandbox's shared parts see it: Visa's range, receipts and token references. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SandboxNetwork } from '../network/sandbox-network.js';
import { vtsTokenRequestorCalls } from './token-requestor-calls.js';

export const vtsSandboxNetwork: SandboxNetwork = {
  id: 'vts',
  cardNetwork: 'VISA',
  brand: 'Visa',
  accountRange: /^4/,
  receiptPrefixes: ['VTS'],
  newTokenReferences: () => ({
    tokenUniqueReference: randomBytes(16).toString('hex'),
    panUniqueReference: `V${randomBytes(14).toString('hex').toUpperCase()}`,
  }),
  tokenRequestorCalls: vtsTokenRequestorCalls,
};

export const receiptFor = (): string => `VTS-${randomUUID()}`;
