/**
 * Visa's request authentication: the `apikey` query parameter and the `x-pay-token` over path, query and
 * body, for the issuer or, on the token requestors' endpoints, a token requestor speaking for itself only.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { verifyXPayToken } from '../../activities/networks/vts/x-pay-token.js';
import { CryptoFailure } from '../../domain/crypto-failure.js';
import type { NetworkSandboxOptions } from '../network/sandbox-app.js';
import { visaError } from './errors.js';

export interface VtsAuthentication {
  /** The issuer's call; returns its apikey, or undefined once the refusal is sent. */
  authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<string | undefined>;
  /** A token requestor's call: its own apikey and x-pay-token, speaking for itself only (else a 403). */
  authenticateTokenRequestor: (request: FastifyRequest, reply: FastifyReply) => Promise<boolean>;
}

export function vtsAuthentication(options: NetworkSandboxOptions): VtsAuthentication {
  const { keys } = options;

  /** `secretOf` says whose keys count. */
  async function authenticate(
    request: FastifyRequest,
    reply: FastifyReply,
    secretOf: (apiKey: string) => string | undefined = (apiKey) =>
      apiKey === keys.vts.issuerApiKey ? keys.vts.issuerSharedSecret : undefined,
  ): Promise<string | undefined> {
    const [path, query = ''] = request.url.split('?') as [string, string?];
    const apiKey = new URLSearchParams(query).get('apikey');
    const secret = apiKey ? secretOf(apiKey) : undefined;
    if (!apiKey || secret === undefined) {
      await reply
        .code(401)
        .send(
          visaError(401, 'invalidApiKey', apiKey ? 'The apikey is not known' : 'The apikey query parameter is missing'),
        );
      return undefined;
    }
    try {
      verifyXPayToken(
        request.headers['x-pay-token'] as string | undefined,
        { resourcePath: path.slice(1), queryString: query, body: request.rawBody ?? '' },
        [secret],
      );
      return apiKey;
    } catch (error) {
      if (!(error instanceof CryptoFailure)) throw error;
      await reply.code(401).send(visaError(401, 'invalidXPayToken', `${error.code}: ${error.message}`, 'x-pay-token'));
      return undefined;
    }
  }

  const tokenRequestorByApiKey = new Map(
    [...options.tokenRequestorCredentials.values()].map((credentials) => [credentials.vts.apiKey, credentials]),
  );

  async function authenticateTokenRequestor(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const apiKey = await authenticate(request, reply, (key) => tokenRequestorByApiKey.get(key)?.vts.sharedSecret);
    if (!apiKey) return false;
    const claimed = (request.body as { tokenRequestorID?: unknown } | undefined)?.tokenRequestorID;
    const own = tokenRequestorByApiKey.get(apiKey)!.tokenRequestorId;
    if (claimed === undefined || claimed === own) return true;
    await reply
      .code(403)
      .send(visaError(403, 'unauthorized', `The apikey is token requestor ${own}'s`, 'tokenRequestorID'));
    return false;
  }

  return { authenticate: (request, reply) => authenticate(request, reply), authenticateTokenRequestor };
}
