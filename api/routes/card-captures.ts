/** Cards the consumer typed or photographed, staged (encrypted) by the vault for an enrollment to capture. */
import { z } from 'zod';
import { cardProblem, maskPan, routeCard } from '../../domain/card-number.js';
import { freeText } from '../free-text.js';
import { problemResponses, sendProblem } from '../problem.js';
import { bodyProblems, cardNetwork, consumerProblems, type ConsumerRouteContext } from './consumer-api.js';

const StageCapture = z.discriminatedUnion('method', [
  z.strictObject({
    method: z.literal('manual'),
    card: z.strictObject({
      number: z.string().regex(/^[0-9 ]{12,23}$/, 'must be 12 to 19 digits'),
      expiryMonth: z.number().int().min(1).max(12),
      expiryYear: z.number().int().min(2000).max(2099),
      cardholderName: freeText(z.string().trim().min(1).max(100)).optional(),
    }),
  }),
  z.strictObject({
    method: z.literal('ocr'),
    image: z.strictObject({
      mediaType: z.enum(['image/png', 'image/jpeg']),
      data: z.base64().max(7_000_000, 'must be a picture of at most 5 MB'),
    }),
  }),
]);

const StagedCapture = z.discriminatedUnion('method', [
  z.object({ captureId: z.string(), method: z.literal('manual'), maskedPan: z.string(), network: cardNetwork }),
  z.object({ captureId: z.string(), method: z.literal('ocr') }),
]);

export function registerCardCaptureRoutes({ api, deps }: ConsumerRouteContext): void {
  api.post(
    '/card-captures',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        summary: 'Stage a card the consumer typed or photographed, for an enrollment to capture',
        tags: ['enrollments'],
        body: StageCapture,
        response: { 201: StagedCapture, ...consumerProblems, ...bodyProblems, ...problemResponses(422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body.method === 'manual') {
        const card = {
          pan: body.card.number.replaceAll(' ', ''),
          expiryMonth: body.card.expiryMonth,
          expiryYear: body.card.expiryYear,
          ...(body.card.cardholderName && { cardholderName: body.card.cardholderName }),
        };
        const rejected = cardProblem(card);
        if (rejected) return sendProblem(reply, 422, 'Card refused', rejected);
        const captureId = await deps.vault.stageCapture(request.customerId, { method: 'manual', card });
        return reply.code(201).send({
          captureId,
          method: 'manual',
          maskedPan: maskPan(card.pan),
          network: routeCard(card.pan)!.network,
        });
      }
      const captureId = await deps.vault.stageCapture(request.customerId, {
        method: 'ocr',
        image: { mediaType: body.image.mediaType, base64: body.image.data },
      });
      return reply.code(201).send({ captureId, method: 'ocr' });
    },
  );
}
