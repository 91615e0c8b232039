/**
 * The operator API as the end-to-end tests call it: a development operator token for each role (and a
 * customer's, which is no operator's), and a call under /operator/v1 as one of them (or as nobody).
 */
import type { EngineStack } from './engine-stack.js';

export type OperatorCall = (
  who: string | undefined,
  method: string,
  route: string,
  body?: object,
) => Promise<{ status: number; body: Record<string, unknown> }>;

/** Tokens for `viewer`, `agent` and `admin` (operators `<role><suffix>`) and `customer`, and a caller using them. */
export async function operatorCaller(stack: EngineStack, suffix: string): Promise<OperatorCall> {
  const tokens: Record<string, string> = {};
  for (const role of ['viewer', 'agent', 'admin'] as const) {
    const response = await fetch(`${stack.apiUrl}/dev/operator-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operatorId: `${role}${suffix}`, roles: [role] }),
    });
    tokens[role] = ((await response.json()) as { token: string }).token;
  }
  tokens.customer = await stack.tokenFor('customer-1');
  return async (who, method, route, body) => {
    const response = await fetch(`${stack.apiUrl}/operator/v1${route}`, {
      method,
      headers: {
        ...(who && { authorization: `Bearer ${tokens[who]}` }),
        ...(body && { 'content-type': 'application/json' }),
      },
      ...(body && { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}
