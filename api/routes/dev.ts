/**
 * Development only, never registered in production: tokens of the local identity provider for demo
 * customers, the demo inbox (the codes "sent" to a demo customer's phone), and app session assertions.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queryInteger } from '../query-integer.js';
import { DevInboxWaitsFull } from '../../db/dev-inbox.js';
import type { DevIdentityProvider } from '../caller-auth.js';
import { freeText } from '../free-text.js';
import { operatorRoles } from '../operator-auth.js';
import { problemResponses, sendProblem } from '../problem.js';

/** The longest a reader of the dev inbox may wait for a message (a long poll). */
const maxInboxWaitSeconds = 30;

const customerId = z.string().regex(/^[\w.@-]{1,64}$/, 'must be 1 to 64 letters, digits or ._@-');

export interface DevRouteDeps {
  /** Development only: mints customer tokens for the demo (never set in production). */
  devIdentity?: { provider: DevIdentityProvider; audience: string; operatorAudience?: string };
  /**
   * Development only: the demo inbox (the codes "sent" to a demo customer's phone); with `waitSeconds`, it
   * answers once a message (sent after `after`, when given) is there, or once they have passed. Throws
   * DevInboxWaitsFull when too many readers wait already.
   */
  devInbox?: (
    customerId: string,
    wait: { waitSeconds: number; after?: Date },
  ) => Promise<{ message: string; sentAt: string }[]>;
  /**
   * Development only: what the issuer's app backend would sign for a customer strongly authenticated in
   * its session (the demo page, the sandbox wallets and the bench act as that app).
   */
  devSessionAssertion?: (customerId: string) => Promise<string>;
}

export function registerDevRoutes(
  app: FastifyInstance,
  { devIdentity, devInbox, devSessionAssertion }: DevRouteDeps,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  if (devIdentity) {
    api.post(
      '/dev/customer-tokens',
      {
        schema: {
          summary: 'Development only: a token for a demo customer',
          tags: ['development'],
          body: z.strictObject({ customerId: freeText(customerId) }),
          response: {
            200: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() }),
            ...problemResponses(400, 413, 415, 422, 429, 500),
          },
        },
      },
      async (request) => ({
        token: await devIdentity.provider.tokenFor(request.body.customerId, devIdentity.audience),
        tokenType: 'Bearer' as const,
        expiresIn: 3_600,
      }),
    );
  }
  const operatorAudience = devIdentity?.operatorAudience;
  if (devIdentity && operatorAudience) {
    api.post(
      '/dev/operator-tokens',
      {
        schema: {
          summary: 'Development only: a token for an operator with these roles',
          tags: ['development'],
          body: z.strictObject({
            operatorId: freeText(customerId),
            roles: z.array(z.enum(operatorRoles)).min(1).max(3),
          }),
          response: {
            200: z.object({ token: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() }),
            ...problemResponses(400, 413, 415, 422, 429, 500),
          },
        },
      },
      async (request) => ({
        token: await devIdentity.provider.tokenFor(request.body.operatorId, operatorAudience, 3_600, {
          roles: request.body.roles,
        }),
        tokenType: 'Bearer' as const,
        expiresIn: 3_600,
      }),
    );
  }
  if (devSessionAssertion) {
    api.post(
      '/dev/session-assertions',
      {
        schema: {
          summary: "Development only: an app session's assertion that a demo customer was strongly authenticated",
          tags: ['development'],
          body: z.strictObject({ customerId: freeText(customerId) }),
          response: { 200: z.object({ assertion: z.string() }), ...problemResponses(400, 413, 415, 422, 429, 500) },
        },
      },
      async (request) => ({ assertion: await devSessionAssertion(request.body.customerId) }),
    );
  }
  if (devInbox) {
    api.get(
      '/dev/inbox',
      {
        schema: {
          summary: "Development only: the codes sent to a demo customer's phone",
          description:
            'With waitSeconds, a long poll: the answer comes once the inbox holds a message (one sent after ' +
            '`after`, when given), or once waitSeconds have passed (then the messages there are, maybe none).',
          tags: ['development'],
          querystring: z.strictObject({
            customer: freeText(z.string().regex(/^[\w.@-]{1,64}$/)),
            waitSeconds: queryInteger({ min: 0, max: maxInboxWaitSeconds, default: 0 }),
            after: z.iso.datetime({ offset: true }).optional(),
          }),
          response: {
            200: z.object({ messages: z.array(z.object({ message: z.string(), sentAt: z.string() })) }),
            ...problemResponses(400, 422, 429, 500, 503),
          },
        },
      },
      async (request, reply) => {
        const { customer, waitSeconds, after } = request.query;
        try {
          return { messages: await devInbox(customer, { waitSeconds, ...(after && { after: new Date(after) }) }) };
        } catch (error) {
          if (!(error instanceof DevInboxWaitsFull)) throw error;
          return sendProblem(
            reply,
            503,
            'Service Unavailable',
            'Too many readers wait on the development inbox; try again shortly',
            { 'retry-after': '1' },
          );
        }
      },
    );
  }
}
