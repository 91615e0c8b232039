/**
 * The API's structured logs (pino, JSON): request ids, and no card number ever. Authorization headers
 * are removed, and any run of 13 to 19 digits in any logged value is masked to its first six and last
 * four, whatever path it took into the log.
 */
import type { FastifyServerOptions } from 'fastify';
import { maskCardNumbers } from '../domain/card-number.js';

export { maskCardNumbers };

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
        url: maskCardNumbers(request.url) as string,
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
