import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import { MdesClient } from '../../activities/networks/mdes/client.js';
import { VtsClient } from '../../activities/networks/vts/client.js';
import { ErrorType } from '../../domain/errors.js';
import { openSandboxKeys, writeIssuerCredentials } from '../../sandbox/keys.js';
import { rejectionOf } from '../support/rejection.js';

const cardNumber = '5555555555554444';
let dataDir: string;
let credentials: NetworkCredentials;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'pushprov-client-answers-'));
  const keys = await openSandboxKeys(dataDir);
  const file = await writeIssuerCredentials(dataDir, keys, {
    mdesBaseUrl: 'http://mdes.invalid',
    vtsBaseUrl: 'http://vts.invalid',
  });
  credentials = await NetworkCredentials.load({ file });
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllGlobals());

/** The network answers every call with this body, HTTP 200. */
function networkAnswers(body: unknown): void {
  vi.stubGlobal('fetch', () =>
    Promise.resolve(
      new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
    ),
  );
}

const pushAccount = {
  pushAccountId: 'p-1',
  card: { accountNumber: cardNumber, expiryMonth: '12', expiryYear: '30' },
  authenticationProof: 'proof',
};

describe("the network clients read each answer with the network's schema", () => {
  it('MDES: a token requestor list of the wrong shape is a retryable failure naming the field', async () => {
    networkAnswers({ responseId: 'r-1', tokenRequestors: [{ tokenRequestorId: 50110030273 }] });
    const failure = await rejectionOf(
      new MdesClient(credentials).getEligibleTokenRequestors({ requestId: 'q-1', accountRanges: ['555555555'] }),
      ApplicationFailure,
    );
    expect(failure.type).toBe(ErrorType.NetworkUnavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(
      /^MDES answered getEligibleTokenRequestors with a body that does not match its schema \(tokenRequestors\.0\.tokenRequestorId: invalid_type/,
    );
    expect(failure.details).toEqual([{ network: 'MDES', operation: 'getEligibleTokenRequestors', status: 200 }]);
  });

  it('MDES: a push answer carrying a card number where a receipt belongs never repeats it', async () => {
    networkAnswers({
      responseId: 'r-2',
      pushAccountReceipts: [{ pushAccountId: 'p-1', pushAccountReceipt: Number(cardNumber) }],
      availablePushMethods: [],
      echoed: cardNumber,
    });
    const failure = await rejectionOf(
      new MdesClient(credentials).pushMultipleAccounts({
        requestId: 'q-2',
        tokenRequestorId: '50110030273',
        accounts: [pushAccount],
      }),
      ApplicationFailure,
    );
    expect(failure.type).toBe(ErrorType.NetworkUnavailable);
    expect(failure.message).toContain('pushAccountReceipts.0.pushAccountReceipt: invalid_type');
    expect(JSON.stringify([failure.message, failure.details])).not.toMatch(/\d{12}/);
  });

  it('VTS: a push answer of the wrong shape is the same retryable failure', async () => {
    networkAnswers({ clientReferenceID: 'c-1', pushReceipts: cardNumber, availablePushMethods: [] });
    const failure = await rejectionOf(
      new VtsClient(credentials).pushProvisionedCards({
        clientReferenceId: 'c-1',
        tokenRequestorId: '50110030273',
        cards: [
          {
            clientCardId: 'p-1',
            authenticationProof: 'proof',
            instrument: {
              accountNumber: '4111111111111111',
              expirationDate: { month: '12', year: '2030' },
              provider: { intent: 'PUSH_PROV_ONFILE', clientWalletProvider: 'w', clientAppID: 'a' },
            },
          },
        ],
      }),
      ApplicationFailure,
    );
    expect(failure.type).toBe(ErrorType.NetworkUnavailable);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe(
      'VTS answered pushProvisionedCards with a body that does not match its schema (pushReceipts: invalid_type)',
    );
    expect(failure.message).not.toContain(cardNumber);
  });

  it('VTS: an answer that matches is read as the type says (no token requestors listed: none)', async () => {
    networkAnswers({});
    await expect(new VtsClient(credentials).getTokenRequestors()).resolves.toEqual([]);
  });
});
