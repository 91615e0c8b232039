/**
 * The in-app wallet provisioning call as the wallet's sheet waits on it (PassKit; TapAndPay's pushTokenize;
 * Samsung's addCard): the issuer's app sends the wallet's device material (from the sandbox's wallet) and
 * gets the payload back, one call that starts a wallet
 * enrollment and answers once the payload is built (update-with-start). Timed from the app's side, over
 * HTTP, at a few concurrency levels; the device material and the session assertion are fetched first and
 * not timed. The payloads are handed to the wallet afterwards (not timed), so that the enrollments end as
 * they would.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { percentiles, type Percentiles } from './at-concurrency.js';

export interface WalletProvisioningLevel {
  concurrency: number;
  calls: number;
  failed: number;
  perSecond: number;
  /** Milliseconds, the app's POST /v1/cards/{id}/wallet-provisioning until its answer. */
  latency: Percentiles;
}

export interface WalletBenchStack {
  apiUrl: string;
  tokenRequestorsUrl: string;
}

/** The demo customers' cards (api/demo-customers.ts), both networks: the wallet provisions cards on file. */
const customers = ['ada', 'grace'];

export type BenchedWallet = keyof typeof sheets;

export async function benchmarkWalletProvisioning(
  stack: WalletBenchStack,
  options: { wallet: BenchedWallet; secondsPerLevel: number; levels: number[]; log: (line: string) => void },
): Promise<WalletProvisioningLevel[]> {
  const app = new IssuerApp(stack, sheets[options.wallet]);
  const cards = (await Promise.all(customers.map((customer) => app.cardsOf(customer)))).flat();
  const levels: WalletProvisioningLevel[] = [];
  for (const concurrency of options.levels) {
    const samples: number[] = [];
    let failed = 0;
    const deadline = performance.now() + options.secondsPerLevel * 1_000;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const card = cards[next++ % cards.length]!;
          try {
            samples.push(await app.provision(card));
          } catch (error) {
            failed += 1;
            if (failed <= 3) options.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1_000;
    const level = {
      concurrency,
      calls: samples.length,
      failed,
      perSecond: samples.length / seconds,
      latency: percentiles(samples),
    };
    options.log(
      `concurrency ${concurrency}: ${samples.length} calls, p50 ${level.latency.p50.toFixed(0)} ms, p99 ${level.latency.p99.toFixed(0)} ms`,
    );
    levels.push(level);
  }
  return levels;
}

interface CardOnFile {
  customerId: string;
  token: string;
  cardId: string;
}

type Call = <T>(method: string, url: string, options?: { token?: string; body?: unknown }) => Promise<T>;

/**
 * One wallet's side of a provisioning: the device material its SDK hands the app (a new device each time,
 * so that no two calls are one provisioning), the body member that carries it, and the payload handed over.
 */
interface WalletSheet {
  open(
    call: Call,
    tokenRequestorsUrl: string,
  ): Promise<{ request: object; handOver(payload: object): Promise<unknown> }>;
}

const sheets = {
  APPLE_PAY: {
    async open(call, tokenRequestorsUrl) {
      const session = await call<{
        sessionId: string;
        certificates: string[];
        nonce: string;
        nonceSignature: string;
        encryptionScheme: string;
      }>('POST', `${tokenRequestorsUrl}/wallets/apple-pay/devices/${randomUUID()}/provisioning-sessions`, {
        body: { encryptionScheme: 'ECC_V2' },
      });
      const { certificates, nonce, nonceSignature, encryptionScheme } = session;
      return {
        request: { wallet: 'APPLE_PAY', applePay: { certificates, nonce, nonceSignature, encryptionScheme } },
        handOver: (payload) =>
          call(
            'POST',
            `${tokenRequestorsUrl}/wallets/apple-pay/provisioning-sessions/${session.sessionId}/add-payment-pass`,
            {
              body: (payload as { applePay: object }).applePay,
            },
          ),
      };
    },
  },
  GOOGLE_PAY: {
    async open(call, tokenRequestorsUrl) {
      const device = await call<object>(
        'POST',
        `${tokenRequestorsUrl}/wallets/google-pay/devices/${randomUUID()}/active-wallet`,
        {
          body: {},
        },
      );
      return {
        request: { wallet: 'GOOGLE_PAY', googlePay: device },
        handOver: (payload) =>
          call('POST', `${tokenRequestorsUrl}/wallets/google-pay/push-tokenize`, {
            body: { ...device, ...(payload as { googlePay: object }).googlePay },
          }),
      };
    },
  },
  SAMSUNG_PAY: {
    async open(call, tokenRequestorsUrl) {
      const device = await call<object>(
        'POST',
        `${tokenRequestorsUrl}/wallets/samsung-pay/devices/${randomUUID()}/wallet-info`,
        {
          body: {},
        },
      );
      return {
        request: { wallet: 'SAMSUNG_PAY', samsungPay: device },
        handOver: (payload) => {
          const { cardType, tokenizationProvider, provisionPayload } = (
            payload as { samsungPay: { cardType: string; tokenizationProvider: string; provisionPayload: string } }
          ).samsungPay;
          return call('POST', `${tokenRequestorsUrl}/wallets/samsung-pay/add-card`, {
            body: { ...device, cardType, tokenizationProvider, provisionPayload },
          });
        },
      };
    },
  },
} satisfies Record<string, WalletSheet>;

/** What the issuer's app does: its customer's token, its backend's session assertion, the wallet's sheet. */
class IssuerApp {
  constructor(
    private readonly stack: WalletBenchStack,
    private readonly sheet: WalletSheet,
  ) {}

  async cardsOf(customerId: string): Promise<CardOnFile[]> {
    const { token } = await this.call<{ token: string }>('POST', `${this.stack.apiUrl}/dev/customer-tokens`, {
      body: { customerId },
    });
    const { cards } = await this.call<{ cards: { id: string }[] }>('GET', `${this.stack.apiUrl}/v1/cards`, { token });
    return cards.map((card) => ({ customerId, token, cardId: card.id }));
  }

  /** One provisioning, timed from the app's request to its answer; the payload then goes to the wallet. */
  async provision(card: CardOnFile): Promise<number> {
    const { assertion } = await this.call<{ assertion: string }>(
      'POST',
      `${this.stack.apiUrl}/dev/session-assertions`,
      { body: { customerId: card.customerId } },
    );
    const sheet = await this.sheet.open(
      (method, url, options) => this.call(method, url, options),
      this.stack.tokenRequestorsUrl,
    );
    const started = performance.now();
    const provisioned = await this.call<object>(
      'POST',
      `${this.stack.apiUrl}/v1/cards/${card.cardId}/wallet-provisioning`,
      {
        token: card.token,
        body: { ...sheet.request, deviceType: 'MOBILE_PHONE', sessionAssertion: assertion },
      },
    );
    const elapsed = performance.now() - started;
    await sheet.handOver(provisioned);
    return elapsed;
  }

  private async call<T>(method: string, url: string, options: { token?: string; body?: unknown } = {}): Promise<T> {
    const response = await fetch(url, {
      method,
      headers: {
        ...(options.token && { authorization: `Bearer ${options.token}` }),
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    if (response.status >= 300)
      throw new Error(`${method} ${new URL(url).pathname}: ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}
