/**
 * Tokens a test or a demo puts straight into a sandbox network, as if wallets had made them long ago (a bulk
 * operation's thousands of tokens without thousands of tokenisations): each one in the ledger as a
 * tokenisation (`tokenize`, requestId `seed:<token>`), no card number anywhere (last four only), the issuer
 * not called. A token the network holds already is left as it is.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { tokenReference, tokenRequestorId, tokenStatus } from '../../activities/networks/message-fields.js';
import type { NetworkState } from './network-state.js';

const SeededTokens = z.strictObject({
  tokens: z
    .array(
      z.strictObject({
        tokenUniqueReference: tokenReference,
        tokenRequestorId,
        status: tokenStatus.default('ACTIVE'),
        accountPanSuffix: z
          .string()
          .regex(/^\d{4}$/)
          .default('0000'),
      }),
    )
    .min(1)
    .max(10_000),
});

export function registerSeedRoutes(app: FastifyInstance, state: NetworkState): void {
  app.post('/sandbox/tokens', (request, reply) => {
    const parsed = SeededTokens.safeParse(request.body);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.map(String).join('.') || 'body';
      return reply.code(400).send({ title: `${field} is not valid`, status: 400 });
    }
    const now = new Date().toISOString();
    let seeded = 0;
    for (const { tokenUniqueReference, tokenRequestorId: requestor, status, accountPanSuffix } of parsed.data.tokens) {
      if (state.token(tokenUniqueReference)) continue;
      state.recordTokenisation({
        requestId: `seed:${tokenUniqueReference}`,
        response: { seeded: true },
        decision: 'APPROVED',
        token: {
          tokenUniqueReference,
          panUniqueReference: `P${tokenUniqueReference}`.slice(0, 64),
          tokenRequestorId: requestor,
          status,
          statusTimestamp: now,
          tokenPanSuffix: '0000',
          accountPanSuffix,
        },
        account: {
          tokenRequestorId: requestor,
          maskedPan: `••••${accountPanSuffix}`,
          panSuffix: accountPanSuffix,
          expiryMonth: '09',
          expiryYear: '31',
        },
      });
      seeded += 1;
    }
    return { seeded };
  });
}
