/**
 * MDES's gateway: OAuth 1.0a (RSA-SHA256) for the issuer's consumer key or, on the token requestors'
 * endpoints, theirs, each nonce once. A refusal is a 401 (or, for another token requestor's id, a 403)
 * in the gateway envelope.
 */
import type { KeyObject } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyMdesRequest } from '../../activities/networks/mdes/oauth1.js';
import { mdesGatewayError } from '../../activities/networks/mdes/schemas.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';

export interface MdesAuthentication {
  /** The issuer's call; returns its consumer key, or undefined once the refusal is sent. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<string | undefined>;
  /** A token requestor's call: signed with its own consumer key, and speaking for itself only. */
  authenticateTokenRequestor: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
}

export function mdesAuthentication(options: NetworkSandboxOptions): MdesAuthentication {
  const { keys } = options;
  const seenNonces = new Map<string, number>();

  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    consumerPublicKey: (consumerKey: string) => KeyObject | undefined = (consumerKey) =>
      consumerKey === keys.mdes.issuerConsumerKey ? keys.mdes.issuerOAuthPublicKey : undefined,
  ): Promise<string | undefined> {
    try {
      return await verifyMdesRequest({
        method: request.method,
        url: `http://${request.headers.host ?? '127.0.0.1'}${request.url}`,
        body: request.rawBody ?? '',
        authorization: request.headers.authorization,
        consumerPublicKey,
        claimNonce: (consumerKey, nonce) => {
          const now = Date.now();
          for (const [seen, until] of seenNonces) if (until <= now) seenNonces.delete(seen);
          const key = `${consumerKey}:${nonce}`;
          if (seenNonces.has(key)) return Promise.resolve(false);
          seenNonces.set(key, now + 10 * 60_000);
          return Promise.resolve(true);
        },
      });
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      await reply
        .code(401)
        .send(
          mdesGatewayError(
            401,
            'AUTHENTICATION_FAILED',
            'The request is not signed as OAuth 1.0a (RSA-SHA256) requires',
            `${error.code}: ${error.message}`,
          ),
        );
      return undefined;
    }
  }

  const tokenRequestorByConsumerKey = new Map(
    [...options.tokenRequestorCredentials.values()].map((credentials) => [credentials.mdes.consumerKey, credentials]),
  );

  async function authenticateTokenRequestor(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const consumerKey = await authenticate(
      request,
      reply,
      (key) => tokenRequestorByConsumerKey.get(key)?.mdes.publicKey,
    );
    if (!consumerKey) return false;
    const claimed = (request.body as { tokenRequestorId?: unknown } | undefined)?.tokenRequestorId;
    const own = tokenRequestorByConsumerKey.get(consumerKey)!.tokenRequestorId;
    if (claimed === undefined || claimed === own) return true;
    await reply
      .code(403)
      .send(
        mdesGatewayError(
          403,
          'UNAUTHORIZED',
          'These credentials belong to another token requestor',
          `the consumer key is token requestor ${own}'s`,
        ),
      );
    return false;
  }

  return { authenticate: (request, reply) => authenticate(request, reply), authenticateTokenRequestor };
}
