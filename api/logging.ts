/**
 * The API's structured logs (pino, JSON): request ids, and no card number ever. Authorization headers
 * are removed, and every card-number-like run in any logged value (the URL percent-decoded first) is
 * masked to its first six and last four, whatever path it took into the log.
 */
import type { FastifyServerOptions } from 'fastify';
import { maskCardNumbers, maskedUrl } from '../domain/caller-text.js';

export function apiLoggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    // ISO times: readable, and no run of digits that could pass for a card number.
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]'],
      remove: true,
    },
    serializers: {
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: maskedUrl(request.url),
        ...(request.ip && { remoteAddress: request.ip }),
      }),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => maskCardNumbers(arg)) as Parameters<typeof method>);
      },
    },
  };
}
