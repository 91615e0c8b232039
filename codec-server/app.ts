/**
 * The codec server the Temporal Web UI decodes payloads with (`POST /encode`, `POST /decode`), so that an
 * authorised operator reads what the engine encrypted. An operator token is required (a bearer header,
 * or a cookie set once at /login for the UI's requests); only the UI's own origins get CORS; payloads
 * are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { answerRouterRefusal, answerWithProblems, sendProblem } from '../api/problem.js';
import { registerDraining } from '../lifecycle/http-draining.js';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Tokens that open the codec (several while one is rotated). */
  operatorTokens: string[];
  /** The Web UI's origins, e.g. http://127.0.0.1:8233. */
  allowedOrigins: string[];
}

const cookieName = 'pushprov_operator';

const JsonPayloads = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(1_000),
});

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

export function buildCodecServer(options: CodecServerOptions): FastifyInstance {
  // No request logging at all: the bodies are what must not be written down.
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024, frameworkErrors: answerRouterRefusal });
  answerWithProblems(app);
  // First of the hooks: at shutdown every request gets 503, whatever its origin or token.
  registerDraining(app);
  const tokens = options.operatorTokens.map(digest);

  const originAllowed = (request: FastifyRequest): boolean => {
    const origin = request.headers.origin;
    return (
      origin === undefined ||
      options.allowedOrigins.includes(origin) ||
      // Its own page: the /login form posts from the codec server's origin (browsers say so). The host
      // decides, not the scheme: behind a TLS-terminating proxy the server itself is reached over http.
      (request.url === '/login' && sameHost(origin, request.headers.host))
    );
  };
  const authorised = (request: FastifyRequest): boolean => {
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const cookie = new RegExp(`(?:^|;\\s*)${cookieName}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1];
    const presented = bearer ?? (cookie && decodedCookie(cookie));
    if (!presented) return false;
    const hashed = digest(presented);
    return tokens.some((token) => timingSafeEqual(token, hashed));
  };

  app.addHook('onRequest', async (request, reply) => {
    if (!originAllowed(request)) {
      return sendProblem(reply, 403, 'Forbidden', 'This origin may not use the codec');
    }
    if (request.headers.origin) {
      reply
        .header('access-control-allow-origin', request.headers.origin)
        .header('access-control-allow-credentials', 'true')
        .header('vary', 'origin');
    }
  });

  app.options('/*', (_request, reply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', 'authorization, content-type, x-namespace')
      .header('access-control-max-age', '600')
      .send(),
  );

  const handle = (direction: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorised(request)) {
      return sendProblem(reply, 401, 'Not authorised', 'An operator token is required to read payloads', {
        'www-authenticate': 'Bearer',
      });
    }
    const parsed = JsonPayloads.safeParse(request.body);
    if (!parsed.success) {
      return sendProblem(reply, 400, 'Invalid request', 'Expected {"payloads": [...]}');
    }
    let payloads: Payload[];
    try {
      payloads = parsed.data.payloads.map((payload) => proto.temporal.api.common.v1.Payload.fromObject(payload));
    } catch {
      return sendProblem(reply, 400, 'Invalid request', "Every payload's data and metadata values must be base64");
    }
    try {
      const converted = await options.codec[direction](payloads);
      return {
        payloads: converted.map((payload) =>
          proto.temporal.api.common.v1.Payload.toObject(proto.temporal.api.common.v1.Payload.fromObject(payload), {
            bytes: String,
          }),
        ),
      };
    } catch (error) {
      return sendProblem(
        reply,
        400,
        'Cannot decode',
        error instanceof Error ? error.message : 'A payload does not decode',
      );
    }
  };
  app.post('/encode', handle('encode'));
  app.post('/decode', handle('decode'));

  // Sets the operator's token as a same-site cookie, for the Web UI's requests (its codec settings:
  // "include cross-origin credentials").
  // A page for the operator's browser: the form posts the token, the answer sets the cookie.
  app.get('/login', (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; form-action 'self'")
      .send(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pushprov codec</title></head><body>' +
          '<form method="post" action="/login"><label>Operator token <input name="token" type="password" autocomplete="off"></label>' +
          ' <button type="submit">Open payloads in the Web UI</button></form></body></html>',
      ),
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.post('/login', async (request, reply) => {
    const body = z.object({ token: z.string().min(1).max(512) }).safeParse(request.body);
    if (!body.success || !tokens.some((token) => timingSafeEqual(token, digest(body.data.token)))) {
      return sendProblem(reply, 401, 'Not authorised', 'Unknown operator token');
    }
    return reply
      .header(
        'set-cookie',
        `${cookieName}=${encodeURIComponent(body.data.token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=43200`,
      )
      .send({ status: 'ok' });
  });

  app.get('/healthz', () => ({ status: 'ok' }));
  return app;
}

/** A cookie value as it was set (URL-encoded); undefined when it does not decode, as no token of ours would. */
function decodedCookie(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
