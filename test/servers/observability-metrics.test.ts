// Every metric the Grafana dashboard or a Prometheus alert rule names is one the engine really exports: npm
// start's whole stack enrols a card to the end, is sent a callback it refuses, and refreshes its token
// requestors; then both /metrics (the API's and the worker's) are read and every name must be in one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardNumberCanary } from '../support/canary.js';
import { eventually } from '../support/eventually.js';
import { pressTokenRequestorsButton } from '../support/local-stack-journey.js';
import { prepareLocalStack, type LocalStack } from '../support/local-stack.js';
import { exportedNames, metricNamesUsed } from '../support/metric-names.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await prepareLocalStack();
  await stack.start();
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
});

async function json<T>(response: Response): Promise<T> {
  if (!response.ok) throw new Error(`${response.url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** A card typed in, pushed, authenticated and tokenised at the sandbox's token requestor, to COMPLETED. */
async function enrolACard(api: string): Promise<void> {
  const { token } = await json<{ token: string }>(
    await fetch(`${api}/dev/customer-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: 'grace' }),
    }),
  );
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const capture = await json<{ captureId: string }>(
    await fetch(`${api}/v1/card-captures`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        method: 'manual',
        card: { number: cardNumberCanary('4'), expiryMonth: 12, expiryYear: 2031, cardholderName: 'Grace Hopper' },
      }),
    }),
  );
  const enrollment = await json<{ id: string }>(
    await fetch(`${api}/v1/enrollments`, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': crypto.randomUUID() },
      body: JSON.stringify({
        cards: [{ captureId: capture.captureId, method: 'manual' }],
        tokenRequestorId: '50110030273',
        pushMethod: 'WEB',
      }),
    }),
  );
  const inbox = await eventually(
    async () => json<{ messages: { message: string }[] }>(await fetch(`${api}/dev/inbox?customer=grace`)),
    (found) => found.messages.length > 0,
    'the code reaching the inbox',
  );
  const code = /\b(\d{6})\b/.exec(inbox.messages[0]!.message)![1]!;
  const answered = await json<{ redirect?: { url: string } }>(
    await fetch(`${api}/v1/enrollments/${enrollment.id}/one-time-code`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ code }),
    }),
  );
  const redirect = new URL(answered.redirect!.url);
  await fetch(redirect);
  await pressTokenRequestorsButton(redirect.origin, redirect, 'https://issuer.example/cards/added');
  await eventually(
    async () => json<{ status: string }>(await fetch(`${api}/v1/enrollments/${enrollment.id}`, { headers })),
    (view) => view.status === 'COMPLETED',
    'the enrollment completing',
  );
}

describe('the metrics the dashboard and the alert rules name', () => {
  it('are all exported by the API or the worker', async () => {
    const api = stack.url('api');
    await enrolACard(api);
    // A callback without a signature: refused, and counted as refused.
    const refused = await fetch(`${api}/networks/vts/notifyTokenUpdated`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);

    const workerMetrics = `${stack.url('workerMetrics')}/metrics`;
    // The schedule npm start created refreshes both networks' token requestors once at once.
    const worker = await eventually(
      async () => (await fetch(workerMetrics)).text(),
      (text) =>
        ['MASTERCARD', 'VISA'].every((network) =>
          new RegExp(
            `pushprov_token_requestor_refresh_last_success_timestamp_seconds\\{[^}]*network="${network}"`,
          ).test(text),
        ),
      "both networks' token requestors refreshed",
    );
    const apiMetrics = await (await fetch(`${api}/metrics`)).text();
    expect(apiMetrics).toMatch(/pushprov_network_callbacks_total\{network="VISA",[^}]*outcome="refused_\d+"\} 1/);

    const exported = new Set([...exportedNames(apiMetrics), ...exportedNames(worker)]);
    const used = await metricNamesUsed();
    const missing = [...used]
      .filter(([name]) => !exported.has(name))
      .map(([name, where]) => `${name} (${where.join(', ')})`);
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(15);
  });
});
