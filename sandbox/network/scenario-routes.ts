/** Admin routes shared by the sandbox networks, for scenarios a test or a demo sets up. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { NetworkState } from './network-state.js';
import { registerSeedRoutes } from './seed-routes.js';
import { applyWalletEvent, WalletEventRequest, walletEvents } from './token-events.js';
import { registerSimulationRoutes } from './simulate-routes.js';
import { changeTokenStatus, type TokenisationDeps } from './tokenization.js';

/** Admin routes shared by the networks: expire a receipt now, change a token's status (and notify, unless told not to). */
export function registerScenarioRoutes(
  app: FastifyInstance,
  state: NetworkState,
  tokenisation: TokenisationDeps,
): void {
  app.post('/sandbox/receipts/:receipt/expire', (request, reply) => {
    const { receipt } = request.params as { receipt: string };
    if (!state.expireReceipt(receipt)) return reply.code(404).send({ title: 'No such receipt', status: 404 });
    return { receipt, expired: true };
  });
  app.post('/sandbox/tokens/:tokenUniqueReference/status', (request, reply) => {
    const { tokenUniqueReference } = request.params as { tokenUniqueReference: string };
    const body = z
      .object({
        status: z.enum(['ACTIVE', 'SUSPENDED', 'DEACTIVATED']),
        reason: z.string().max(64).default('SANDBOX'),
        // false: the network changes the token behind the issuer's back (drift for the reconciliation to find).
        notify: z.boolean().default(true),
      })
      .safeParse(request.body);
    if (!body.success)
      return reply.code(400).send({ title: 'status must be ACTIVE, SUSPENDED or DEACTIVATED', status: 400 });
    const { status, reason, notify } = body.data;
    const token = notify
      ? changeTokenStatus(tokenisation, tokenUniqueReference, status, reason)
      : state.token(tokenUniqueReference) && state.recordTokenStatus(tokenUniqueReference, status, reason);
    if (!token) return reply.code(404).send({ title: 'No such token', status: 404 });
    return token;
  });
  registerSimulationRoutes(app, tokenisation);
  // The wallet's side acting on a token (deleted in the wallet, device lost or found): the network tells the issuer.
  app.post('/sandbox/tokens/:tokenUniqueReference/events', (request, reply) => {
    const { tokenUniqueReference } = request.params as { tokenUniqueReference: string };
    const body = WalletEventRequest.safeParse(request.body);
    if (!body.success) {
      return reply
        .code(400)
        .send({ title: `event must be one of ${Object.keys(walletEvents).join(', ')}`, status: 400 });
    }
    const token = applyWalletEvent(tokenisation, tokenUniqueReference, body.data.event);
    return token ?? reply.code(404).send({ title: 'No such token', status: 404 });
  });
  registerSeedRoutes(app, state);
  app.get('/sandbox/tokens/:tokenUniqueReference', (request, reply) => {
    const token = state.token((request.params as { tokenUniqueReference: string }).tokenUniqueReference);
    return token ?? reply.code(404).send({ title: 'No such token', status: 404 });
  });
}
