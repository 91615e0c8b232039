/**
 * One consumer's enrollment, as the bank's page and the token requestor's page make it, over HTTP on the
 * local stack, timed: the card typed in, the enrollment started, the code read from the development inbox
 * (a long poll: the answer comes as the code lands), submitted, the token requestor's page and its button,
 * until the workflow closes. The API is called through the typed client (clients/api), as an issuer's app would.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { createPushprovClient, dataOf, type PushprovClient } from '../clients/api/index.js';

export interface BenchStack {
  apiUrl: string;
  tokenRequestorsUrl: string;
  temporalAddress: string;
}

export interface EnrollmentSample {
  id: string;
  /** Milliseconds: start -> the code in the consumer's inbox; code submitted -> redirect returned; the whole enrollment. */
  codeSentMs: number;
  redirectMs: number;
  wholeMs: number;
}

const wallet = '50110030273';
const cards = [
  { number: '5204731600014792', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
  { number: '4111111111111111', expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
];
/** How long one request to the inbox waits for the code (the API takes up to 30 s). */
const inboxWaitSeconds = 10;

/**
 * A random customer id of letters: the API refuses an id holding a card-number-like run, which a random
 * UUID whose first three groups are all digits is (one in several thousand).
 */
function letterId(): string {
  return randomUUID().replace(/\d/g, (digit) => 'ghijklmnop'[Number(digit)]!);
}

export class EnrollmentDriver {
  /** The routes without a customer's token (development's). */
  private readonly api: PushprovClient;

  constructor(
    private readonly stack: BenchStack,
    private readonly connection: Connection,
  ) {
    this.api = createPushprovClient({ baseUrl: stack.apiUrl });
  }

  async enrol(sequence: number): Promise<EnrollmentSample> {
    const customerId = `bench-${letterId()}`;
    const { token } = await dataOf(this.api.POST('/dev/customer-tokens', { body: { customerId } }));
    const customer = createPushprovClient({ baseUrl: this.stack.apiUrl, token });
    const card = cards[sequence % cards.length]!;
    const capture = await dataOf(customer.POST('/v1/card-captures', { body: { method: 'manual', card } }));

    const started = performance.now();
    const enrollment = await dataOf(
      customer.POST('/v1/enrollments', {
        params: { header: { 'idempotency-key': randomUUID() } },
        body: {
          cards: [{ captureId: capture.captureId, method: 'manual' }],
          tokenRequestorId: wallet,
          pushMethod: 'WEB',
        },
      }),
    );
    const code = await this.codeSentTo(customerId);
    const codeSent = performance.now();
    const authenticated = await dataOf(
      customer.POST('/v1/enrollments/{id}/one-time-code', { params: { path: { id: enrollment.id } }, body: { code } }),
    );
    const redirected = performance.now();
    if (authenticated.outcome !== 'AUTHENTICATED' || !authenticated.redirect) {
      throw new Error(`no redirect: ${JSON.stringify(authenticated)}`);
    }
    await this.atTokenRequestor(authenticated.redirect.url);
    await this.closed(enrollment.id);
    const ended = performance.now();
    const view = await dataOf(customer.GET('/v1/enrollments/{id}', { params: { path: { id: enrollment.id } } }));
    if (view.status !== 'COMPLETED') throw new Error(`enrollment ended ${view.status}`);
    return {
      id: enrollment.id,
      codeSentMs: codeSent - started,
      redirectMs: redirected - codeSent,
      wholeMs: ended - started,
    };
  }

  /** The code, as soon as it is in the consumer's (development) inbox: the inbox answers when it lands. */
  private async codeSentTo(customerId: string): Promise<string> {
    const deadline = performance.now() + 15_000;
    while (performance.now() < deadline) {
      const inbox = await dataOf(
        this.api.GET('/dev/inbox', { params: { query: { customer: customerId, waitSeconds: inboxWaitSeconds } } }),
      );
      const code = inbox.messages[0] && /\b(\d{6})\b/.exec(inbox.messages[0].message)?.[1];
      if (code) return code;
    }
    throw new Error('no code within 15 s');
  }

  /** The token requestor's page, then its button: tokenisation. */
  private async atTokenRequestor(redirectUrl: string): Promise<void> {
    const page = await fetch(redirectUrl);
    await page.text();
    if (page.status !== 200) throw new Error(`the token requestor's page answered ${page.status}`);
    const url = new URL(redirectUrl);
    const done = await fetch(`${this.stack.tokenRequestorsUrl}/tr/${url.pathname.split('/')[2]}/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        pushAccountReceipts: url.searchParams.get('pushAccountReceipts')!,
        callbackURL: 'https://issuer.example/cards/added',
      }).toString(),
    });
    const text = await done.text();
    if (!text.includes('Added to')) throw new Error(`the token requestor did not tokenise (${done.status})`);
  }

  /** Long-polls Temporal for the workflow's close event (no polling of the API). */
  private async closed(workflowId: string): Promise<void> {
    for (;;) {
      const response = await this.connection.workflowService.getWorkflowExecutionHistory({
        namespace: 'default',
        execution: { workflowId },
        waitNewEvent: true,
        historyEventFilterType:
          proto.temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
      });
      if ((response.history?.events?.length ?? 0) > 0) return;
    }
  }
}
