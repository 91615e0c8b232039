// A fresh card number sent through every field a caller controls, against npm start's whole stack: every
// header, path segment, query and body field of every API operation (from its OpenAPI document), the
// networks' callbacks, the codec server and the sandbox; and a real enrollment of that number. Then it is
// looked for in every response and header, every line any process wrote, both /metrics, every row of
// PostgreSQL, the sandboxes' ledgers and every file of the stack's data folder: it must be nowhere, and no
// request may have met a 5xx.
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cardNumberCanary,
  canaryEncodings,
  holdsCanary,
  hostileRequests,
  type HostileRequest,
} from '../support/canary.js';
import { eventually } from '../support/eventually.js';
import { prepareLocalStack, type LocalStack } from '../support/local-stack.js';

const canary = cardNumberCanary('4');
let stack: LocalStack;
let output: () => string;
const answers: { request: string; status: number; text: string }[] = [];

beforeAll(async () => {
  stack = await prepareLocalStack({
    logLevel: 'info',
    // The sweep is one address and one customer sending hundreds of requests: the limits have tests of their own.
    env: { API_RATE_LIMIT_PER_MINUTE: '100000', API_FAILED_AUTH_LIMIT_PER_MINUTE: '100000' },
  });
  ({ output } = await stack.start());
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
});

async function send(base: string, request: HostileRequest): Promise<Response> {
  const response = await fetch(`${base}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined && { body: request.body }),
    redirect: 'manual',
  });
  const text = await response.text();
  const headers = JSON.stringify([...response.headers]);
  answers.push({
    request: `${request.method} ${base}${request.path}`,
    status: response.status,
    text: `${headers}\n${text}`,
  });
  return new Response(text, { status: response.status, headers: response.headers });
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

describe('a card number sent through every field a caller controls', () => {
  it('ends up nowhere in clear, and meets no 5xx', async () => {
    const api = stack.url('api');
    const { token } = await json<{ token: string }>(
      await send(api, {
        method: 'POST',
        path: '/dev/customer-tokens',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customerId: 'ada' }),
      }),
    );
    const authorization = `Bearer ${token}`;

    // Legitimately, as the card itself: typed in, pushed, authenticated, tokenised.
    await enrolTheCanary(api, authorization);

    // As everything else, on every operation the API documents.
    const document = await json<Parameters<typeof hostileRequests>[0]>(
      await send(api, { method: 'GET', path: '/openapi.json', headers: {} }),
    );
    expect(Object.keys(document.paths).length).toBeGreaterThan(10);
    for (const request of hostileRequests(document, canary, authorization)) await send(api, request);

    // The routes the document does not describe: callbacks, development, pages, unknown paths.
    const [plain, grouped] = canaryEncodings(canary) as [string, string];
    for (const path of [
      `/networks/mdes/issuerServices/1/0/${plain}`,
      '/networks/mdes/issuerServices/1/0/notifyTokenUpdated',
      `/networks/vts/${plain}`,
      '/networks/vts/notifyTokenUpdated',
    ]) {
      for (const [type, body] of [
        ['application/json', JSON.stringify({ requestId: plain, tokens: [{ pushAccountReceipt: plain }] })],
        ['application/jose', `${plain}.${plain}.${plain}`],
      ] as const) {
        await send(api, {
          method: 'POST',
          path,
          headers: {
            'content-type': type,
            authorization: `OAuth oauth_consumer_key="${plain}",oauth_nonce="${plain}",oauth_signature="${plain}"`,
            'x-request-id': plain,
          },
          body,
        });
      }
    }
    for (const path of [`/dev/inbox?customer=${plain}`, `/web/${plain}`, `/${plain}`, `/metrics?${plain}`]) {
      await send(api, { method: 'GET', path, headers: { 'x-request-id': grouped } });
    }
    await send(api, {
      method: 'POST',
      path: '/dev/customer-tokens',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customerId: plain }),
    });

    const codec = stack.url('codec');
    await send(codec, {
      method: 'POST',
      path: '/decode',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${plain}`, 'x-namespace': plain },
      body: JSON.stringify({ payloads: [{ metadata: { encoding: plain }, data: plain }] }),
    });
    await send(codec, {
      method: 'POST',
      path: '/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: codec },
      body: `token=${plain}`,
    });
    await send(codec, { method: 'GET', path: `/${plain}`, headers: {} });

    for (const part of ['mdes', 'vts', 'tokenRequestors'] as const) {
      const sandbox = stack.url(part);
      await send(sandbox, { method: 'GET', path: `/${plain}`, headers: {} });
      await send(sandbox, { method: 'GET', path: `/sandbox/ledger?${plain}=${plain}`, headers: {} });
      await send(sandbox, {
        method: 'PATCH',
        path: '/sandbox/knobs',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ [plain]: plain }),
      });
    }
    await send(stack.url('tokenRequestors'), {
      method: 'GET',
      path: `/tr/50110030273/push/web?pushAccountReceipts=${plain}&x=${plain}`,
      headers: {},
    });

    // What the stack answered.
    const serverErrors = answers.filter((answer) => answer.status >= 500);
    expect(serverErrors.map((answer) => `${answer.status} ${answer.request}`)).toEqual([]);
    const echoed = answers.filter((answer) => holdsCanary(answer.text, canary));
    expect(echoed.map((answer) => answer.request)).toEqual([]);
    expect(answers.length).toBeGreaterThan(300);

    // What it exposes and keeps.
    for (const metrics of [`${api}/metrics`, `${stack.url('workerMetrics')}/metrics`]) {
      expect(holdsCanary(await (await fetch(metrics)).text(), canary), metrics).toBe(false);
    }
    for (const part of ['mdes', 'vts', 'tokenRequestors'] as const) {
      const ledger = await (await fetch(`${stack.url(part)}/sandbox/ledger`)).text();
      expect(holdsCanary(ledger, canary), `${part} ledger`).toBe(false);
    }
    expect(await rowsHoldingTheCanary()).toEqual([]);
    // Every line every process wrote (API, worker, sandbox, codec server, Temporal, PostgreSQL).
    expect(output().length).toBeGreaterThan(10_000);
    expect(holdsCanary(output(), canary)).toBe(false);
    expect(await filesHoldingTheCanary(stack.dataDir)).toEqual([]);
  });
});

/** The canary as a card: typed in, enrolled at a wallet, the code entered, tokenised: ACTIVE. */
async function enrolTheCanary(api: string, authorization: string): Promise<void> {
  const headers = { authorization, 'content-type': 'application/json' };
  const capture = await json<{ captureId: string; maskedPan: string }>(
    await send(api, {
      method: 'POST',
      path: '/v1/card-captures',
      headers,
      body: JSON.stringify({
        method: 'manual',
        card: { number: canary, expiryMonth: 12, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
      }),
    }),
  );
  expect(capture.maskedPan).toBe(`${canary.slice(0, 6)}******${canary.slice(-4)}`);
  const enrollment = await json<{ id: string }>(
    await send(api, {
      method: 'POST',
      path: '/v1/enrollments',
      headers: { ...headers, 'idempotency-key': `canary-${Date.now()}` },
      body: JSON.stringify({
        cards: [{ captureId: capture.captureId, method: 'manual' }],
        tokenRequestorId: '50110030273',
        pushMethod: 'WEB',
      }),
    }),
  );
  const inbox = await eventually(
    async () =>
      json<{ messages: { message: string }[] }>(
        await send(api, { method: 'GET', path: '/dev/inbox?customer=ada', headers: {} }),
      ),
    (found) => found.messages.length > 0,
    'the code reaching the inbox',
  );
  const code = /\b(\d{6})\b/.exec(inbox.messages[0]!.message)![1]!;
  const answered = await json<{ redirect?: { url: string } }>(
    await send(api, {
      method: 'POST',
      path: `/v1/enrollments/${enrollment.id}/one-time-code`,
      headers,
      body: JSON.stringify({ code }),
    }),
  );
  const redirect = new URL(answered.redirect!.url);
  await send(redirect.origin, { method: 'GET', path: `${redirect.pathname}${redirect.search}`, headers: {} });
  await send(redirect.origin, {
    method: 'POST',
    path: `/tr/${redirect.pathname.split('/')[2]}/complete`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      pushAccountReceipts: redirect.searchParams.get('pushAccountReceipts')!,
      callbackURL: 'https://issuer.example/cards/added',
    }).toString(),
  });
  await eventually(
    async () =>
      json<{ status: string }>(await send(api, { method: 'GET', path: `/v1/enrollments/${enrollment.id}`, headers })),
    (view) => view.status === 'COMPLETED',
    'the enrollment completing',
  );
}

async function rowsHoldingTheCanary(): Promise<string[]> {
  const password = (await readFile(path.join(stack.dataDir, 'postgres.password'), 'utf8')).trim();
  const client = new pg.Client({
    connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${stack.ports.postgres}/pushprov`,
  });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    const found: string[] = [];
    for (const { name } of tables) {
      const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
      if (rows.some(({ row }) => holdsCanary(row, canary))) found.push(name);
    }
    return found;
  } finally {
    await client.end();
  }
}

/** Every file of the data folder, read as bytes: PostgreSQL's pages and WAL, Temporal's SQLite, ledgers, keys. */
async function filesHoldingTheCanary(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    // Run as root, the PostgreSQL cluster lives elsewhere, linked from the data folder.
    if (entry.isSymbolicLink() && (await stat(file)).isDirectory()) {
      found.push(...(await filesHoldingTheCanary(await realpath(file))).map((inner) => path.join(entry.name, inner)));
      continue;
    }
    if (!entry.isFile() || (await stat(file)).size > 256 * 1024 * 1024) continue;
    const bytes = await readFile(file).catch(() => undefined);
    if (bytes && bytes.includes(canary, 0, 'latin1')) found.push(path.relative(dir, file));
  }
  return found;
}
