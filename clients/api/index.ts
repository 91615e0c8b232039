/**
 * The typed client for the issuer API: openapi-fetch over the types generated from the API's OpenAPI document
 * (schema.ts, by `npm run client:generate`), so an issuer's app calls the routes, and reads their answers and
 * problems, as the document describes them.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export type PushprovClient = Client<paths>;

/** RFC 9457 problem details: what every consumer and operator route answers for a 4xx or a 5xx. */
export type Problem = paths['/v1/enrollments/{id}']['get']['responses'][404]['content']['application/problem+json'];

export interface PushprovClientOptions {
  /** The API's origin, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /**
   * The bearer JWT from the issuer's identity provider (a customer's, or an operator's for /operator/v1), or
   * a function answering the current one, asked before each request; none for the routes without
   * authentication (the development token routes).
   */
  token?: string | (() => string | Promise<string>);
  /** A fetch of its own (a test's, an instrumented one); globalThis.fetch otherwise. */
  fetch?: ClientOptions['fetch'];
}

export function createPushprovClient({ baseUrl, token, fetch }: PushprovClientOptions): PushprovClient {
  const client = createClient<paths>({ baseUrl, ...(fetch && { fetch }) });
  if (token !== undefined) client.use(bearer(token));
  return client;
}

function bearer(token: NonNullable<PushprovClientOptions['token']>): Middleware {
  return {
    async onRequest({ request }) {
      request.headers.set('authorization', `Bearer ${typeof token === 'string' ? token : await token()}`);
      return request;
    },
  };
}

/** An answer that is not a 2xx: its status, and its body (a Problem for every consumer and operator route). */
export class PushprovApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    path: string,
  ) {
    super(`${path} answered ${status}${problemTextOf(body)}`);
    this.name = 'PushprovApiError';
  }
}

function problemTextOf(body: unknown): string {
  if (body === null || typeof body !== 'object') return '';
  const { title, detail } = body as { title?: unknown; detail?: unknown };
  const texts = [title, detail].filter((text): text is string => typeof text === 'string');
  return texts.length > 0 ? `: ${texts.join('; ')}` : '';
}

/**
 * A call's 2xx body, or a PushprovApiError: for a caller that can do nothing with a refusal but stop.
 * `const enrollment = await dataOf(client.GET('/v1/enrollments/{id}', { params: { path: { id } } }))`.
 */
export async function dataOf<Answer extends { data?: unknown; error?: unknown; response: Response }>(
  pending: Promise<Answer>,
): Promise<Extract<Answer, { data: unknown }>['data']> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) {
    throw new PushprovApiError(response.status, error, response.url ? new URL(response.url).pathname : 'the API');
  }
  return data;
}
