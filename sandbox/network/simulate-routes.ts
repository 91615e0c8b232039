/**
 * The simulate-tokenisation endpoint of each sandbox network: a card, the wallet or merchant asking (its
 * token requestor id), where it got the card (typed into the wallet, photographed, on file at a merchant),
 * the wallet's recommendation and scores. The network then runs the tokenisation a wallet would start:
 * its own checks, authorizeService against the issuer's decisioning, the token created ACTIVE (GREEN),
 * INACTIVE until the cardholder activates it (YELLOW) or not at all (RED), and the issuer told. Answered
 * with the issuer's decision, the token and, for a step-up, the issuer's activation methods; the card only
 * masked. No card data in the ledger: the request is the network's, as a wallet server would send it.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AccountTokenisationRequest, tokeniseWithAccount } from './account-tokenization.js';
import type { TokenisationDeps } from './tokenization.js';
import { WalletAssessment } from './wallet-assessment.js';

const SimulatedTokenisation = AccountTokenisationRequest.omit({ requestId: true, assessment: true }).extend({
  requestId: z.string().min(1).max(64).optional(),
  ...WalletAssessment.shape,
});

export function registerSimulationRoutes(app: FastifyInstance, tokenisation: TokenisationDeps): void {
  app.post('/sandbox/simulate/tokenizations', async (request, reply) => {
    const parsed = SimulatedTokenisation.safeParse(request.body);
    if (!parsed.success) {
      // The field, never its value: the body holds a card number.
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || 'body';
      return reply.code(400).send({ title: `${field} is not valid`, status: 400 });
    }
    const { requestId, tokenRequestorId, account, stepUp, ...assessment } = parsed.data;
    const result = await tokeniseWithAccount(tokenisation, {
      requestId: requestId ?? randomUUID(),
      tokenRequestorId,
      account,
      ...(stepUp && { stepUp }),
      assessment,
    });
    if (result.outcome === 'refused') {
      return reply.code(422).send({ title: result.description, status: 422, reason: result.reason });
    }
    return {
      decision: result.decision,
      account: { maskedPan: result.account.maskedPan },
      ...(result.token && {
        token: { tokenUniqueReference: result.token.tokenUniqueReference, status: result.token.status },
      }),
      ...(result.issuerReason && { issuerReason: result.issuerReason }),
      ...(result.activationMethods && { activationMethods: result.activationMethods }),
      ...(result.standIn && { standIn: result.standIn }),
    };
  });
}
