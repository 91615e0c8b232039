/**
 * The problem types the API names (`/problems/<name>`): each answers with what it means, so that a
 * problem's `type` is a link a developer can follow (RFC 9457 section 3.1.1).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemResponses, sendProblem } from '../problem.js';
import { problemTypeOf, refusalAnswers } from '../refusals.js';
import { walletProblemAnswers } from '../wallet-refusals.js';

const ProblemType = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  description: z.string(),
});

const problemTypes = new Map(
  [...Object.values(refusalAnswers), ...walletProblemAnswers].map((answer) => [
    answer.name,
    { type: problemTypeOf(answer), title: answer.title, status: answer.status, description: answer.meaning },
  ]),
);

export function registerProblemTypeRoutes(app: FastifyInstance): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/problems/:name',
    {
      schema: {
        summary: 'What a problem type the API answers with means',
        tags: ['problems'],
        params: z.strictObject({ name: z.string().max(64) }),
        response: { 200: ProblemType, ...problemResponses(400, 404, 429, 500) },
      },
    },
    async (request, reply) => {
      const described = problemTypes.get(request.params.name);
      if (!described) return sendProblem(reply, 404, 'Not Found', 'No such problem type');
      return reply.header('cache-control', 'public, max-age=86400').send(described);
    },
  );
}
