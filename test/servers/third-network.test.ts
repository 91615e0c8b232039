// A third card network is one folder (test/support/third-network/) and one line in the registry: eligibility,
// the push and the network's calls back run through the engine's own activities and routes, against the
// real PostgreSQL, with nothing else edited.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EnrollmentActivities } from '../../activities/enrollment/activity-types.js';
import { createEnrollmentActivities } from '../../activities/enrollment/create-enrollment-activities.js';
import { type IssuerKeyStore } from '../../activities/keys/key-store.js';
import { engineNetworks, networkRegistry, type NetworkRegistry } from '../../activities/networks/registry.js';
import { TokenRequestorCache } from '../../activities/token-requestors/token-requestor-cache.js';
import { CardVault } from '../../activities/vault/card-vault.js';
import { buildApp } from '../../api/app.js';
import { ErrorType } from '../../domain/errors.js';
import { openPlaceholderIssuerKeys } from '../support/placeholder-issuer-keys.js';
import {
  thirdNetwork,
  thirdNetworkId,
  thirdNetworkSecret,
  thirdNetworkWallet,
  type ThirdNetwork,
} from '../support/third-network/third-network.js';
import { decisionDefaults } from '../support/decision-defaults.js';

const pan = '5204731600014792';
const takenBin = '520473';

let dir: string;
let pool: pg.Pool;
let keys: IssuerKeyStore;
let vault: CardVault;
let third: ThirdNetwork;
let networks: NetworkRegistry;
let activities: EnrollmentActivities;
let app: Awaited<ReturnType<typeof buildApp>>;

/** Temporal as it answers once every enrollment has ended. */
const endedEnrollments = {
  workflow: {
    getHandle: (workflowId: string) => ({
      query: () => Promise.reject(new WorkflowNotFoundError('The enrollment has ended', workflowId, undefined)),
      signal: () => Promise.reject(new WorkflowNotFoundError('The enrollment has ended', workflowId, undefined)),
    }),
  },
} as unknown as Client;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'pushprov-third-network-'));
  pool = new pg.Pool({ connectionString: inject('databaseUrl') });
  keys = await openPlaceholderIssuerKeys(dir);
  vault = new CardVault(pool, keys.vault);
  third = thirdNetwork([takenBin]);
  // The one registry line.
  networks = networkRegistry([...engineNetworks(keys.networks).all, third]);
  const logos = { getAsset: () => Promise.resolve([{ type: 'image/svg+xml', data: 'PHN2Zy8+' }]) };
  activities = createEnrollmentActivities({
    pool,
    vault,
    keys,
    networks,
    tokenRequestors: new TokenRequestorCache(pool, networks, logos),
  });
  app = await buildApp(
    {
      readinessChecks: {},
      callbacks: {
        credentials: keys.networks,
        pool,
        temporal: endedEnrollments,
        networks,
        fingerprintKeys: [],
        ...decisionDefaults,
      },
      rateLimitPerMinute: 1_000_000,
      failedAuthenticationsPerMinute: 1_000_000,
    },
    { logger: false },
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await rm(dir, { recursive: true, force: true });
});

async function vaultedCard(): Promise<{ customerId: string; cardRef: string; bin: string }> {
  const customerId = `customer-${randomUUID()}`;
  const card = await vault.store(
    customerId,
    { pan, expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
    'manual',
  );
  return { customerId, cardRef: card.cardRef, bin: card.bin };
}

describe('a third network, registered beside MDES and VTS', () => {
  it('decides eligibility by its own rule, asking it for its token requestors on a miss', async () => {
    const card = await vaultedCard();
    const verdict = await activities.checkEligibility({
      network: thirdNetworkId,
      tokenRequestorId: thirdNetworkWallet.id,
      pushMethod: 'WEB',
      cards: [
        { cardRef: card.cardRef, bin: card.bin },
        { cardRef: 'another-card', bin: '411111' },
      ],
    });
    expect(verdict).toEqual({
      tokenRequestorName: thirdNetworkWallet.name,
      ineligible: [{ cardRef: 'another-card', reason: `${thirdNetworkWallet.name} does not take cards of this range` }],
    });

    const refusal = await activities
      .checkEligibility({
        network: thirdNetworkId,
        tokenRequestorId: thirdNetworkWallet.id,
        pushMethod: 'IOS',
        cards: [{ cardRef: card.cardRef, bin: card.bin }],
      })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ApplicationFailure);
    expect((refusal as ApplicationFailure).type).toBe(ErrorType.NotEligible);
  });

  it('is pushed to by the same push activity: proofs for its audience, receipts kept, the redirect built', async () => {
    const card = await vaultedCard();
    const enrollmentId = `enrollment-${randomUUID()}`;
    const outcome = await activities.pushCards({
      enrollmentId,
      customerId: card.customerId,
      attempt: 1,
      network: thirdNetworkId,
      tokenRequestorId: thirdNetworkWallet.id,
      pushMethod: 'WEB',
      authenticationMethod: 'otp',
      cards: [{ cardRef: card.cardRef, pushAccountId: 'push-account-1' }],
      receiptValidityMinutes: 15,
    });
    const receipt = outcome.cards[0]?.receipt;
    expect(receipt).toMatch(/^third-/);
    expect(outcome.redirect?.url).toBe(`https://wallet.third.example/push?receipts=${receipt}`);

    const asked = third.pushes.at(-1)!;
    expect(asked.cards[0]?.details.pan).toBe(pan);
    const [, claims] = asked.cards[0]!.authenticationProof.split('.');
    expect(JSON.parse(Buffer.from(claims!, 'base64url').toString())).toMatchObject({
      aud: 'THIRD-NETWORK',
      sub: 'push-account-1',
    });
    const { rows } = await pool.query('SELECT network, enrollment_id FROM push_receipts WHERE receipt = $1', [receipt]);
    expect(rows).toEqual([{ network: thirdNetworkId, enrollment_id: enrollmentId }]);

    // Its calls back reach the same routes: verified its way, answered in its terms.
    const call = (operation: string, body: object, authorization = thirdNetworkSecret) =>
      app.inject({
        method: 'POST',
        url: `/networks/third/${operation}`,
        headers: { 'content-type': 'application/json', authorization },
        payload: JSON.stringify(body),
      });
    const decision = await call('authorizeService', { receipt, requestor: thirdNetworkWallet.id });
    expect(decision.json()).toEqual({ verdict: 'DECLINED', why: 'ENROLLMENT_NOT_FOUND' });
    const unsigned = await call('authorizeService', { receipt, requestor: thirdNetworkWallet.id }, 'someone else');
    expect(unsigned.statusCode).toBe(401);
    expect(unsigned.json()).toEqual({ error: { status: 401, message: 'The call is not signed by the network' } });

    const token = `third-token-${randomUUID()}`;
    const update = await call('notifyTokenUpdated', {
      receipt,
      token,
      state: 'ACTIVE',
      at: new Date().toISOString(),
    });
    expect(update.statusCode).toBe(200);
    const inventory = await pool.query(
      'SELECT network, status, card_ref FROM token_inventory WHERE token_unique_reference = $1',
      [token],
    );
    expect(inventory.rows).toEqual([{ network: thirdNetworkId, status: 'ACTIVE', card_ref: card.cardRef }]);
  });
});
