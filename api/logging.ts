/**
 * The API's structured logs (pino, JSON): request ids, and no card number ever. Authorization headers
 * are removed, and any run of 13 to 19 digits in any logged value is masked to its first six and last
 * four, whatever path it took into the log.
 */
import type { FastifyServerOptions } from 'fastify';

const digitRun = /\b\d(?:[ -]?\d){12,18}\b/g;

export function maskCardNumbers(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.replace(digitRun, (run) => {
      const digits = run.replace(/[ -]/g, '');
      return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
    });
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { type: value.name, message: maskCardNumbers(value.message, depth + 1) };
  }
  if (Array.isArray(value)) return value.map((item) => maskCardNumbers(item, depth + 1));
  // Requests, replies and the like are left to their serializers, which mask what they write.
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, maskCardNumbers(item, depth + 1)]));
}

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
