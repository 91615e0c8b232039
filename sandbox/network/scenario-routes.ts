/** Admin routes shared by the sandbox networks, for scenarios a test or a demo sets up. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { NetworkState } from './network-state.js';
import { changeTokenStatus, type TokenisationDeps } from './tokenization.js';

/** Admin routes shared by the networks: expire a receipt now, change a token's status (and notify). */
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
      .object({ status: z.enum(['ACTIVE', 'SUSPENDED', 'DEACTIVATED']), reason: z.string().max(64).default('SANDBOX') })
      .safeParse(request.body);
    if (!body.success)
      return reply.code(400).send({ title: 'status must be ACTIVE, SUSPENDED or DEACTIVATED', status: 400 });
    const token = changeTokenStatus(tokenisation, tokenUniqueReference, body.data.status, body.data.reason);
    if (!token) return reply.code(404).send({ title: 'No such token', status: 404 });
    return token;
  });
  app.get('/sandbox/tokens/:tokenUniqueReference', (request, reply) => {
    const token = state.token((request.params as { tokenUniqueReference: string }).tokenUniqueReference);
    return token ?? reply.code(404).send({ title: 'No such token', status: 404 });
  });
}
