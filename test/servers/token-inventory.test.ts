// The token inventory against the real PostgreSQL: the one upsert that both writers use (the enrollment's
// recordToken activity, and the networks' callbacks once the enrollment has ended) and its one rule, an
// older status never wins; a callback naming its token by a card-number-like reference refused as a 4xx; and the
// customer's tokens as GET /v1/tokens reads them.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createEnrollmentActivities } from '../../activities/enrollment/create-enrollment-activities.js';
import type { EnrollmentActivities } from '../../activities/enrollment/activity-types.js';
import type { IssuerKeyStore } from '../../activities/keys/key-store.js';
import { NetworkCredentials } from '../../activities/keys/network-credentials.js';
import type { NetworkRegistry } from '../../activities/networks/registry.js';
import type { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import type { CardVault } from '../../activities/vault/card-vault.js';
import { buildApp } from '../../api/app.js';
import { recordPushReceipt } from '../../db/push-receipts.js';
import { recordTokenStatus, tokensOf, type TokenStatusRecord } from '../../db/token-inventory.js';
import { saveTokenRequestor } from '../../db/token-requestors.js';
import { storeVaultCard } from '../../db/vault-cards.js';
import type { CardNetwork, TokenStatus } from '../../domain/enrollment.js';
import { openSandboxKeys, writeIssuerCredentials, type SandboxKeys } from '../../sandbox/keys.js';
import {
  injectedOrigin,
  mdesNotification,
  mdesPath,
  mdesSigned,
  vtsNotification,
  vtsPath,
  vtsTokenNotification,
  wallet,
} from '../support/network-callbacks.js';
import { randomCustomerId } from '../support/api-caller.js';
import { decisionDefaults } from '../support/decision-defaults.js';
import { newPan } from '../support/wallet-customers.js';

let pool: pg.Pool;
let dir: string;
let keys: SandboxKeys;
let app: Awaited<ReturnType<typeof buildApp>>;
let activities: EnrollmentActivities;

/** Temporal as it answers once every enrollment has ended: a signal finds no workflow. */
const endedEnrollments = {
  workflow: {
    getHandle: (workflowId: string) => ({
      signal: () => Promise.reject(new WorkflowNotFoundError('The enrollment has ended', workflowId, undefined)),
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-inventory-'));
  keys = await openSandboxKeys(dir);
  const credentials = await NetworkCredentials.load({
    file: await writeIssuerCredentials(dir, keys, {
      mdesBaseUrl: 'http://127.0.0.1:1',
      vtsBaseUrl: 'http://127.0.0.1:2',
    }),
  });
  app = await buildApp(
    {
      readinessChecks: {},
      callbacks: { credentials, pool, temporal: endedEnrollments, fingerprintKeys: [], ...decisionDefaults },
      rateLimitPerMinute: 1_000_000,
      failedAuthenticationsPerMinute: 1_000_000,
    },
    { logger: false },
  );
  // Recording a token reaches no network, key or vault.
  activities = createEnrollmentActivities({
    pool,
    vault: {} as CardVault,
    keys: {} as IssuerKeyStore,
    networks: {} as NetworkRegistry,
    tokenRequestors: {} as TokenRequestorCache,
  });
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
});

/** A vaulted card of a new customer, pushed to a token requestor: its receipt kept as the push keeps it. */
/** What a card, a receipt and a token of each network look like here. */
const shapes: Record<CardNetwork, { bin: string; receiptPrefix: string; tokenReference: () => string }> = {
  MASTERCARD: { bin: '520473', receiptPrefix: 'MCC', tokenReference: () => `DWSPMC${randomBytes(16).toString('hex')}` },
  VISA: { bin: '411111', receiptPrefix: 'VTS', tokenReference: () => randomBytes(16).toString('hex') },
};

async function pushedCard(
  network: CardNetwork,
  tokenRequestorId = wallet,
): Promise<{
  receipt: string;
  token: Omit<TokenStatusRecord, 'status' | 'statusTimestamp'> & { enrollmentId: string };
}> {
  const customerId = randomCustomerId();
  const card = await storeVaultCard(pool, {
    cardRef: randomUUID(),
    customerId,
    sealedDetails: randomBytes(48),
    encryptionKeyId: 'test-key',
    panFingerprint: randomBytes(32),
    fingerprintKeyId: 'test-fingerprint-key',
    bin: shapes[network].bin,
    last4: '4792',
    expiryMonth: 9,
    expiryYear: 2031,
    network,
    source: 'manual',
  });
  const receipt = `${shapes[network].receiptPrefix}-${randomUUID()}`;
  const enrollmentId = `enrollment-${randomBytes(16).toString('hex')}`;
  await recordPushReceipt(pool, {
    receipt,
    network,
    enrollmentId,
    cardRef: card.cardRef,
    tokenRequestorId,
    pushAccountId: 'pa-1',
    expiresAt: new Date(Date.now() + 10 * 60_000),
  });
  const tokenUniqueReference = shapes[network].tokenReference();
  return {
    receipt,
    token: { network, tokenUniqueReference, customerId, cardRef: card.cardRef, tokenRequestorId, enrollmentId },
  };
}

type StatusNotice = (
  receipt: string,
  tokenUniqueReference: string,
  status: TokenStatus,
  at: string,
) => Promise<Awaited<ReturnType<typeof app.inject>>>;

/** Each network tells the issuer the token's status, signed as it signs it; the issuer's answer. */
const statusNotices: Record<CardNetwork, StatusNotice> = {
  MASTERCARD(receipt, tokenUniqueReference, status, statusTimestamp) {
    const notification = mdesNotification(randomUUID(), receipt) as { tokens: Record<string, unknown>[] };
    const body = JSON.stringify({
      ...notification,
      tokens: [{ ...notification.tokens[0], tokenUniqueReference, status, statusTimestamp }],
    });
    const url = `${mdesPath}/notifyTokenUpdated`;
    return app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: mdesSigned(keys, injectedOrigin + url, body) },
      payload: body,
    });
  },
  async VISA(receipt, tokenUniqueReference, status, statusTimestamp) {
    return app.inject({
      method: 'POST',
      url: `${vtsPath}/notifyTokenUpdated`,
      headers: { 'content-type': 'application/jose' },
      payload: await vtsNotification(keys, {
        ...vtsTokenNotification(receipt),
        vProvisionedTokenID: tokenUniqueReference,
        tokenStatus: status,
        statusTimestamp,
      }),
    });
  },
};

async function networkSays(
  network: CardNetwork,
  receipt: string,
  tokenUniqueReference: string,
  status: TokenStatus,
  statusTimestamp: string,
): Promise<void> {
  const response = await statusNotices[network](receipt, tokenUniqueReference, status, statusTimestamp);
  expect(response.statusCode).toBe(200);
}

/** An 11-digit token requestor id that no network lists. */
const unlistedTokenRequestorId = (): string => `9${randomInt(1e9, 1e10)}`;

async function kept(customerId: string): Promise<{ status: TokenStatus; statusTimestamp: string }[]> {
  return (await tokensOf(pool, customerId)).map(({ status, statusTimestamp }) => ({
    status,
    statusTimestamp: statusTimestamp.toISOString(),
  }));
}

const first = '2026-11-21T10:00:01.000Z';
const second = '2026-11-21T10:00:02.000Z';
const third = '2026-11-21T10:00:03.000Z';

describe('recording a token status', () => {
  it('keeps the newest status whatever order the updates come in; one as old as the kept one changes nothing', async () => {
    const { token } = await pushedCard('MASTERCARD');
    await recordTokenStatus(pool, { ...token, status: 'SUSPENDED', statusTimestamp: second });
    await recordTokenStatus(pool, { ...token, status: 'ACTIVE', statusTimestamp: first });
    expect(await kept(token.customerId)).toEqual([{ status: 'SUSPENDED', statusTimestamp: second }]);
    await recordTokenStatus(pool, { ...token, status: 'ACTIVE', statusTimestamp: second });
    expect(await kept(token.customerId)).toEqual([{ status: 'SUSPENDED', statusTimestamp: second }]);
    await recordTokenStatus(pool, { ...token, status: 'DEACTIVATED', statusTimestamp: third });
    expect(await kept(token.customerId)).toEqual([{ status: 'DEACTIVATED', statusTimestamp: third }]);
  });

  it.each(['MASTERCARD', 'VISA'] as const)(
    'applies that rule to both writers, the enrollment and a %s callback after it ended, in either order',
    async (network) => {
      const { receipt, token } = await pushedCard(network);
      await activities.recordToken({ ...token, status: 'ACTIVE', statusTimestamp: second });
      await networkSays(network, receipt, token.tokenUniqueReference, 'INACTIVE', first);
      expect(await kept(token.customerId)).toEqual([{ status: 'ACTIVE', statusTimestamp: second }]);
      await networkSays(network, receipt, token.tokenUniqueReference, 'SUSPENDED', third);
      expect(await kept(token.customerId)).toEqual([{ status: 'SUSPENDED', statusTimestamp: third }]);
      await activities.recordToken({ ...token, status: 'ACTIVE', statusTimestamp: second });
      expect(await kept(token.customerId)).toEqual([{ status: 'SUSPENDED', statusTimestamp: third }]);
    },
  );

  it("files a callback's token under the receipt's card, customer and token requestor", async () => {
    // Of this test alone: another file of the run may have cached the wallet, and its name would show.
    const { receipt, token } = await pushedCard('VISA', unlistedTokenRequestorId());
    await networkSays('VISA', receipt, token.tokenUniqueReference, 'ACTIVE', first);
    expect(await tokensOf(pool, token.customerId)).toEqual([
      {
        network: 'VISA',
        tokenUniqueReference: token.tokenUniqueReference,
        tokenRequestorId: token.tokenRequestorId,
        status: 'ACTIVE',
        statusTimestamp: new Date(first),
        card: { cardRef: token.cardRef, maskedPan: '411111******4792' },
      },
    ]);
  });
});

describe('a token reference that reads as a card number', () => {
  /** The field each network names the token in, as its refusal names it. */
  const field: Record<CardNetwork, string> = {
    MASTERCARD: 'tokens.0.tokenUniqueReference',
    VISA: 'vProvisionedTokenID',
  };

  it.each(['MASTERCARD', 'VISA'] as const)(
    'in a %s callback is refused as a 400 naming the field, never echoed, nothing recorded',
    async (network) => {
      const { receipt, token } = await pushedCard(network);
      // Digits only, passing the Luhn check: a card number to the outbox's guard, were it let through.
      const digits = newPan(network === 'VISA' ? '411111' : '520473');
      const response = await statusNotices[network](receipt, digits, 'ACTIVE', first);
      expect(response.statusCode).toBe(400);
      expect(response.body).toContain(field[network]);
      expect(response.body).toContain('must not read as a card number');
      expect(response.body).not.toContain(digits);
      expect(await kept(token.customerId)).toEqual([]);
      // The same callback with a token reference of the network's own shape is taken.
      await networkSays(network, receipt, token.tokenUniqueReference, 'ACTIVE', first);
      expect(await kept(token.customerId)).toEqual([{ status: 'ACTIVE', statusTimestamp: first }]);
    },
  );
});

describe("a customer's tokens", () => {
  it('come oldest first, each card masked, the token requestor named once it is cached', async () => {
    // Of this test alone: the cache is shared with the other files of the run.
    const tokenRequestorId = unlistedTokenRequestorId();
    const { token } = await pushedCard('MASTERCARD', tokenRequestorId);
    const later = { ...token, tokenUniqueReference: `DWSPMC${randomBytes(16).toString('hex')}` };
    await recordTokenStatus(pool, { ...token, status: 'ACTIVE', statusTimestamp: second });
    await recordTokenStatus(pool, { ...later, status: 'INACTIVE', statusTimestamp: first });
    await recordTokenStatus(pool, {
      ...(await pushedCard('MASTERCARD', tokenRequestorId)).token,
      status: 'ACTIVE',
      statusTimestamp: first,
    });
    const unnamed = await tokensOf(pool, token.customerId);
    expect(unnamed.map((held) => [held.tokenUniqueReference, held.card.maskedPan, held.tokenRequestorName])).toEqual([
      [token.tokenUniqueReference, '520473******4792', undefined],
      [later.tokenUniqueReference, '520473******4792', undefined],
    ]);
    await saveTokenRequestor(pool, {
      network: 'MASTERCARD',
      tokenRequestorId,
      name: 'Wallet',
      consumerFacingEntityName: 'The Wallet',
      tokenRequestorType: 'WALLET',
      imageAssetId: 'asset-1',
      enabledAccountRanges: ['520473'],
      pushMethods: [],
      supportedAccountHolderData: [],
      supportsMultiplePushedCards: true,
      refreshedAt: new Date().toISOString(),
    });
    expect((await tokensOf(pool, token.customerId)).map((held) => held.tokenRequestorName)).toEqual([
      'The Wallet',
      'The Wallet',
    ]);
  });
});
