/**
 * Development only, never registered in production: tokens of the local identity provider for demo
 * customers, the demo inbox (the codes "sent" to a demo customer's phone), and app session assertions.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DevIdentityProvider } from '../caller-auth.js';
import { freeText } from '../free-text.js';
import { operatorRoles } from '../operator-auth.js';
import { problemResponses } from '../problem.js';

const customerId = z.string().regex(/^[\w.@-]{1,64}$/, 'must be 1 to 64 letters, digits or ._@-');

export interface DevRouteDeps {
  /** Development only: mints customer tokens for the demo (never set in production). */
  devIdentity?: { provider: DevIdentityProvider; audience: string; operatorAudience?: string };
  /** Development only: the demo inbox (the codes "sent" to a demo customer's phone). */
  devInbox?: (customerId: string) => Promise<{ message: string; sentAt: string }[]>;
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
          tags: ['development'],
          querystring: z.strictObject({ customer: freeText(z.string().regex(/^[\w.@-]{1,64}$/)) }),
          response: {
            200: z.object({ messages: z.array(z.object({ message: z.string(), sentAt: z.string() })) }),
            ...problemResponses(400, 422, 429, 500, 503),
          },
        },
      },
      async (request) => ({ messages: await devInbox(request.query.customer) }),
    );
  }
}
