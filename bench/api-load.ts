/**
 * The issuer API's read endpoints under load (autocannon): requests per second and latency, each
 * endpoint alone, as a signed-in customer of the development identity provider.
 */
import autocannon from 'autocannon';

export interface EndpointLoad {
  endpoint: string;
  /** What answers it: PostgreSQL (the enrollment's view as its workflow recorded it), or the token requestor cache. */
  backedBy: string;
  connections: number;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number };
  non2xx: number;
  errors: number;
}

async function call<T>(apiUrl: string, method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(path === '/v1/enrollments' && { 'idempotency-key': crypto.randomUUID() }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export async function benchmarkApiReads(
  apiUrl: string,
  options: { seconds: number; connections: number },
): Promise<EndpointLoad[]> {
  // Ada, a demo customer: her cards are on file in development. One enrollment of hers waits for its code.
  const { token } = await call<{ token: string }>(apiUrl, 'POST', '/dev/customer-tokens', undefined, {
    customerId: 'ada',
  });
  const { cards } = await call<{ cards: { id: string }[] }>(apiUrl, 'GET', '/v1/cards', token);
  const enrollment = await call<{ id: string }>(apiUrl, 'POST', '/v1/enrollments', token, {
    cards: [{ cardId: cards[0]!.id }],
    tokenRequestorId: '50110030273',
    pushMethod: 'WEB',
  });
  for (let poll = 0; poll < 200; poll += 1) {
    const view = await call<{ status: string }>(apiUrl, 'GET', `/v1/enrollments/${enrollment.id}`, token);
    if (view.status === 'AWAITING_AUTHENTICATION') break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const endpoints = [
    {
      path: `/v1/enrollments/${enrollment.id}`,
      endpoint: 'GET /v1/enrollments/:id',
      backedBy: "PostgreSQL (the workflow's recorded view)",
    },
    { path: '/v1/cards', endpoint: 'GET /v1/cards', backedBy: 'PostgreSQL' },
    { path: '/v1/tokens', endpoint: 'GET /v1/tokens', backedBy: 'PostgreSQL' },
    {
      path: `/v1/cards/${cards[0]!.id}/token-requestors?pushMethod=WEB`,
      endpoint: 'GET /v1/cards/:id/token-requestors',
      backedBy: 'PostgreSQL (token requestor cache)',
    },
  ];
  const results: EndpointLoad[] = [];
  try {
    for (const { path, endpoint, backedBy } of endpoints) {
      const result = await autocannon({
        url: `${apiUrl}${path}`,
        connections: options.connections,
        duration: options.seconds,
        headers: { authorization: `Bearer ${token}` },
      });
      results.push({
        endpoint,
        backedBy,
        connections: options.connections,
        requestsPerSecond: result.requests.average,
        latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
        non2xx: result.non2xx,
        errors: result.errors,
      });
    }
  } finally {
    await call(apiUrl, 'POST', `/v1/enrollments/${enrollment.id}/cancel`, token, {});
  }
  return results;
}
