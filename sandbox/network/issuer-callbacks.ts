/**
 * The network's calls to the issuer during tokenisation: `authorizeService` (the issuer decides) and
 * `notifyTokenUpdated` (the token's state), each signed by the network's transport so the issuer can
 * verify it. Notifications are retried, and duplicated or sent out of order when the knobs say so.
 * Every attempt goes into the ledger, an abandoned one too (the sandbox stopping before it was answered).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knobs } from '../knobs.js';
import type { Ledger } from './ledger.js';

export type CallbackName = 'authorizeService' | 'notifyTokenUpdated';

/** How one network signs and sends a call to the issuer. */
export interface CallbackTransport {
  url(name: CallbackName): string;
  /** `signal` aborts the call: no answer in time, or the sandbox stopping. */
  send(name: CallbackName, payload: object, signal: AbortSignal): Promise<{ status: number; body: unknown }>;
}

export type IssuerDecision = 'APPROVED' | 'DECLINED' | 'REQUIRE_ADDITIONAL_AUTHENTICATION';

export interface AuthorizationOutcome {
  decision: IssuerDecision;
  /** For a step-up, how the issuer offers the cardholder to activate (as it answered them). */
  activationMethods?: unknown[];
  /** The issuer's reason for a decline or a step-up, as it answered it. */
  issuerReason?: string;
  /** Why the network decided itself: the issuer did not answer, or answered nonsense. */
  standIn?: string;
}

const retryDelaysMs = [250, 1_000, 3_000];
const callTimeoutMs = 10_000;

export class IssuerCallbacks {
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborted when the sandbox stops waiting for its deliveries: the calls under way are cut off, none follows. */
  private readonly abandoned = new AbortController();

  constructor(
    private readonly ledger: Ledger,
    private readonly knobs: { current: Knobs },
    private readonly transport: CallbackTransport,
  ) {}

  async authorizeService(payload: { correlationId: string; [field: string]: unknown }): Promise<AuthorizationOutcome> {
    const result = await this.attempt('authorizeService', payload, 1);
    const answer = result?.body as
      { decision?: unknown; decisionReason?: unknown; activationMethods?: unknown } | undefined;
    const decision = answer?.decision;
    if (decision === 'APPROVED' || decision === 'DECLINED' || decision === 'REQUIRE_ADDITIONAL_AUTHENTICATION') {
      const methods = decision === 'REQUIRE_ADDITIONAL_AUTHENTICATION' && answer?.activationMethods;
      const reason = answer?.decisionReason;
      return {
        decision,
        ...(Array.isArray(methods) && { activationMethods: methods as unknown[] }),
        ...(typeof reason === 'string' && { issuerReason: reason }),
      };
    }
    // Stand-in: without a valid answer from the issuer, a network declines.
    return {
      decision: 'DECLINED',
      standIn: result ? `the issuer answered ${result.status} without a decision` : 'the issuer did not answer',
    };
  }

  /** Sends the notifications in order (each retried), in the background; `idle()` waits for them. */
  notifyTokenUpdated(notifications: object[]): void {
    const duplicate = this.knobs.current.notifications.duplicate;
    const delivery = (async () => {
      for (const notification of notifications) {
        for (let copy = 1; copy <= (duplicate ? 2 : 1); copy += 1)
          await this.deliver('notifyTokenUpdated', notification);
      }
    })();
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  /**
   * Resolves with true when every notification under way has been delivered or given up. With a deadline
   * (the process stopping), at most that long: the deliveries still under way then are abandoned (their
   * calls cut off, no retry, each recorded) and it resolves with false once they have stopped.
   */
  async idle(deadlineMs?: number): Promise<boolean> {
    const settled = (async () => {
      while (this.inFlight.size > 0) await Promise.all(this.inFlight);
      return true;
    })();
    if (deadlineMs === undefined) return settled;
    const deadline = new AbortController();
    const inTime = await Promise.race([
      settled,
      sleep(deadlineMs, false, { signal: deadline.signal }).catch(() => false),
    ]);
    deadline.abort();
    if (inTime) return true;
    this.abandoned.abort();
    await settled;
    return false;
  }

  private async deliver(name: CallbackName, payload: object): Promise<void> {
    for (let attempt = 1; attempt <= retryDelaysMs.length + 1 && !this.abandoned.signal.aborted; attempt += 1) {
      const result = await this.attempt(name, payload, attempt);
      if (result && result.status >= 200 && result.status < 300) return;
      if (result && result.status >= 400 && result.status < 500 && result.status !== 429) return; // refused: retrying will not help
      const delay = retryDelaysMs[attempt - 1];
      if (delay !== undefined) await sleep(delay, undefined, { signal: this.abandoned.signal }).catch(() => undefined);
    }
  }

  private async attempt(
    name: CallbackName,
    payload: object,
    attempt: number,
  ): Promise<{ status: number; body: unknown } | undefined> {
    const url = this.transport.url(name);
    const timeout = AbortSignal.timeout(callTimeoutMs);
    const signal = AbortSignal.any([timeout, this.abandoned.signal]);
    // Cut off when the signal says so even if the transport is still busy (encrypting, signing).
    const cutOff = new Promise<never>((_resolve, reject) =>
      signal.addEventListener('abort', () => reject(new Error('cut off')), { once: true }),
    );
    const started = performance.now();
    try {
      const result = await Promise.race([this.transport.send(name, payload, signal), cutOff]);
      // How long the issuer took to answer, as the network times it (signing and sending included).
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      this.ledger.append('callback', { name, url, attempt, status: result.status, durationMs, payload });
      return result;
    } catch (error) {
      const why = this.abandoned.signal.aborted
        ? 'abandoned: the sandbox stopped before the issuer answered'
        : timeout.aborted
          ? `no answer within ${callTimeoutMs / 1000} s`
          : error instanceof Error
            ? error.message
            : String(error);
      this.ledger.append('callback', { name, url, attempt, error: why, payload });
      return undefined;
    }
  }
}
