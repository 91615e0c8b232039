/**
 * The networks' calls to the issuer during tokenisation, for both networks: `authorizeService` (the issuer
 * decides from the enrollment's state: an unexpired receipt of an open enrollment for that token
 * requestor is approved) and `notifyTokenUpdated` (the token's state goes to the waiting enrollment, or
 * straight to the inventory once the enrollment is over). Every call is verified (signature, freshness,
 * replay) before it is read.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import type { NetworkCredentials } from '../activities/keys/network-credentials.js';
import { openVtsNotification, verifyMdesCallback } from '../activities/networks/issuer-callbacks.js';
import { CryptoFailure } from '../domain/crypto-failure.js';
import type { CardNetwork, TokenStatus, TokenUpdate } from '../domain/enrollment.js';
import { enrollmentViewQuery, tokenUpdatedSignal } from '../domain/messages.js';
import { singleUseClaimer } from '../db/replay-guard.js';
import type { ApiMetrics } from './metrics.js';
import { problem } from './problem.js';

export interface NetworkCallbackDeps {
  credentials: NetworkCredentials;
  pool: Pool;
  temporal: Client;
}

interface ReceiptRow {
  enrollment_id: string;
  token_requestor_id: string;
  card_ref: string;
  customer_id: string;
  expires_at: Date;
}

const tokenStatuses: readonly string[] = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'];

export async function registerNetworkCallbacks(
  app: FastifyInstance,
  deps: NetworkCallbackDeps,
  metrics?: ApiMetrics,
): Promise<void> {
  const claim = singleUseClaimer(deps.pool, 'network-callback');

  await app.register(
    (scope, _options, done) => {
      // Signatures cover the exact bytes received.
      scope.addHook('onResponse', async (request, reply) => {
        const network = request.url.includes('/mdes/') ? 'MASTERCARD' : 'VISA';
        const operation = (request.params as { operation?: string }).operation ?? 'unknown';
        metrics?.networkCallbacks.inc({
          network,
          operation,
          outcome: reply.statusCode < 300 ? 'accepted' : `refused_${reply.statusCode}`,
        });
      });
      scope.addContentTypeParser(
        ['application/json', 'application/jose'],
        { parseAs: 'string' },
        (_request, body, done) => done(null, body),
      );

      scope.post('/mdes/issuerServices/1/0/:operation', async (request, reply) => {
        const { operation } = request.params as { operation: string };
        try {
          await verifyMdesCallback(
            {
              method: 'POST',
              url: `${request.protocol}://${request.headers.host ?? ''}${request.url}`,
              body: typeof request.body === 'string' ? request.body : '',
              authorization: request.headers.authorization,
            },
            deps.credentials,
            claim,
          );
        } catch (error) {
          return refuse(request, reply, error);
        }
        const payload = parseJson(request.body);
        if (operation === 'authorizeService') {
          const decision = await decide('MASTERCARD', payload.pushAccountReceipt, payload.tokenRequestorId);
          return {
            responseId: text(payload.requestId),
            decision: decision.decision,
            ...(decision.reason && { decisionReason: decision.reason }),
          };
        }
        if (operation === 'notifyTokenUpdated') {
          for (const token of (payload.tokens as Record<string, unknown>[] | undefined) ?? []) {
            await deliver({
              network: 'MASTERCARD',
              receipt: text(token.pushAccountReceipt),
              tokenUniqueReference: text(token.tokenUniqueReference),
              status: text(token.status) as TokenStatus,
              statusTimestamp: text(token.statusTimestamp),
            });
          }
          return { responseId: text(payload.requestId) };
        }
        return reply.code(404).send(problem(404, `No issuer service ${operation}`));
      });

      scope.post('/vts/:operation', async (request, reply) => {
        const { operation } = request.params as { operation: string };
        let payload: Record<string, unknown>;
        try {
          payload = (await openVtsNotification(
            typeof request.body === 'string' ? request.body : '',
            deps.credentials,
            claim,
          )) as Record<string, unknown>;
        } catch (error) {
          return refuse(request, reply, error);
        }
        if (operation === 'authorizeService') {
          const decision = await decide('VISA', payload.pushReceipt, payload.tokenRequestorID);
          return { decision: decision.decision, ...(decision.reason && { decisionReason: decision.reason }) };
        }
        if (operation === 'notifyTokenUpdated') {
          await deliver({
            network: 'VISA',
            receipt: text(payload.pushReceipt),
            tokenUniqueReference: text(payload.vProvisionedTokenID),
            status: text(payload.tokenStatus) as TokenStatus,
            statusTimestamp: text(payload.statusTimestamp),
          });
          return {};
        }
        return reply.code(404).send(problem(404, `No issuer service ${operation}`));
      });
      done();
    },
    { prefix: '/networks' },
  );

  async function receipt(network: CardNetwork, value: unknown): Promise<ReceiptRow | undefined> {
    if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
    const { rows } = await deps.pool.query<ReceiptRow>(
      'SELECT enrollment_id, token_requestor_id, card_ref, customer_id, expires_at FROM push_receipts WHERE receipt = $1 AND network = $2',
      [value, network],
    );
    return rows[0];
  }

  async function decide(
    network: CardNetwork,
    pushReceipt: unknown,
    tokenRequestorId: unknown,
  ): Promise<{ decision: 'APPROVED' | 'DECLINED'; reason?: string }> {
    const found = await receipt(network, pushReceipt);
    if (!found) return { decision: 'DECLINED', reason: 'UNKNOWN_RECEIPT' };
    if (found.token_requestor_id !== tokenRequestorId) return { decision: 'DECLINED', reason: 'WRONG_TOKEN_REQUESTOR' };
    if (found.expires_at.getTime() <= Date.now()) return { decision: 'DECLINED', reason: 'RECEIPT_EXPIRED' };
    try {
      const view = await deps.temporal.workflow.getHandle(found.enrollment_id).query(enrollmentViewQuery);
      const card = view.cards.find((candidate) => candidate.receipt === pushReceipt);
      if (view.status !== 'AWAITING_TOKEN_REQUESTOR' || card?.state !== 'PUSHED') {
        return { decision: 'DECLINED', reason: `ENROLLMENT_${view.status}` };
      }
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { decision: 'DECLINED', reason: 'ENROLLMENT_NOT_FOUND' };
      throw error;
    }
    return { decision: 'APPROVED' };
  }

  /** To the enrollment while it is open; straight to the inventory once it has ended. */
  async function deliver(update: TokenUpdate): Promise<void> {
    if (!tokenStatuses.includes(update.status) || Number.isNaN(Date.parse(update.statusTimestamp))) return;
    const found = await receipt(update.network, update.receipt);
    if (!found) return;
    try {
      await deps.temporal.workflow.getHandle(found.enrollment_id).signal(tokenUpdatedSignal, update);
      return;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
    // The enrollment has ended: the token goes into the inventory directly (a late ACTIVE, a later
    // suspension), its card and customer known from the receipt; an older status never wins.
    await deps.pool.query(
      `INSERT INTO token_inventory (network, token_unique_reference, customer_id, card_ref, token_requestor_id,
         status, status_timestamp, enrollment_id)
       SELECT $1, $2, customer_id, card_ref, token_requestor_id, $3, $4, enrollment_id
       FROM push_receipts WHERE receipt = $5 AND network = $1
       ON CONFLICT (network, token_unique_reference) DO UPDATE
         SET status = EXCLUDED.status, status_timestamp = EXCLUDED.status_timestamp, updated_at = now()
         WHERE token_inventory.status_timestamp < EXCLUDED.status_timestamp`,
      [update.network, update.tokenUniqueReference, update.status, update.statusTimestamp, update.receipt],
    );
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function parseJson(body: unknown): Record<string, unknown> {
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : '') as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof CryptoFailure)) throw error;
  request.log.warn({ code: error.code }, 'network callback refused');
  return reply
    .code(401)
    .type('application/problem+json')
    .send(problem(401, 'The call is not from the network', `${error.code}: ${error.message}`));
}
