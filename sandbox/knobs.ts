/**
 * Fault and scenario knobs of a sandbox: set at start (SANDBOX_KNOBS, JSON) and changed at run time
 * through `PUT` / `PATCH /sandbox/knobs`. Each sandbox (MDES, VTS, token requestors) has its own set.
 */
import { z } from 'zod';
import { tokenRequestorId } from '../activities/networks/message-fields.js';
import { invalidEnvironment } from '../config/env.js';

const regex = z.string().refine(
  (pattern) => {
    try {
      new RegExp(pattern);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const FaultKind = z.enum(['5xx', '429', 'timeout']);
export type FaultKind = z.infer<typeof FaultKind>;

const rate = z.number().min(0).max(1);

/** What a simulated wallet does with the issuer's payload, whichever wallet it is. */
const walletKnobs = z
  .strictObject({
    /** The wallet takes the payload (202 PENDING) but never tokenises. */
    timesOut: z.boolean().default(false),
    /** The wallet's own risk check declines before it tokenises. */
    declines: z.boolean().default(false),
    /**
     * The wallet's own risk asks for a step-up: the network creates the token INACTIVE (the yellow path),
     * and it becomes ACTIVE once the cardholder activates it in the wallet.
     */
    requiresActivation: z.boolean().default(false),
  })
  .prefault({});
export type WalletKnobs = z.output<typeof walletKnobs>;

export const KnobsSchema = z.strictObject({
  /**
   * Added to every network API call's answer. The call itself is handled on arrival, as a real network
   * finishes what it received even if the caller has gone: a caller that times out and retries meets its
   * own earlier request in the network's records.
   */
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  faults: z
    .strictObject({
      /** Share of calls answered 503 in the network's gateway envelope. */
      serverErrorRate: rate.default(0),
      /** Share of calls answered 429 with Retry-After. */
      rateLimitRate: rate.default(0),
      /** Share of calls never answered: the connection is held, then closed. */
      timeoutRate: rate.default(0),
      retryAfterSeconds: z.number().int().min(0).max(3_600).default(1),
      /** How long a "timeout" holds the connection before closing it without an answer. */
      timeoutHoldMs: z.number().int().min(0).max(300_000).default(30_000),
      /** The next calls fail in this order, whatever the rates (deterministic, for tests). */
      next: z.array(FaultKind).max(1_000).default([]),
      /** Only calls whose path contains one of these fail; all network calls when unset. */
      paths: z.array(z.string().min(1)).optional(),
    })
    .prefault({}),
  declines: z
    .strictObject({
      /** Cards whose PAN starts with one of these are declined (ACCOUNT_INELIGIBLE / cardNotEligible). */
      accountRanges: z.array(z.string().regex(/^\d{1,19}$/, 'an account range is 1-19 digits')).default([]),
      /** Cards whose PAN matches this regular expression are declined, e.g. "0002$". */
      panPattern: regex.optional(),
      /** The issuer's decision is ignored and tokenisation declined. */
      tokenisation: z.boolean().default(false),
    })
    .prefault({}),
  receipts: z
    .strictObject({
      /** Overrides every receipt's validity (seconds), e.g. 1 to watch receipts expire. */
      lifetimeSeconds: z.number().int().min(0).max(86_400).optional(),
    })
    .prefault({}),
  notifications: z
    .strictObject({
      /** Every callback to the issuer is delivered twice. */
      duplicate: z.boolean().default(false),
      /** After a token becomes ACTIVE, a stale INACTIVE notification (older statusTimestamp) follows it. */
      outOfOrder: z.boolean().default(false),
    })
    .prefault({}),
  tokenRequestors: z
    .strictObject({
      /** These token requestors receive the consumer but never tokenise. */
      neverComplete: z.array(tokenRequestorId).default([]),
    })
    .prefault({}),
  /** The simulated wallets (sandbox/wallets/), on the token requestors' server: each its own. */
  wallets: z
    .strictObject({
      applePay: walletKnobs,
      googlePay: walletKnobs,
      samsungPay: walletKnobs,
    })
    .prefault({}),
});
export type Knobs = z.output<typeof KnobsSchema>;
export type KnobsInput = z.input<typeof KnobsSchema>;

export const defaultKnobs = (): Knobs => KnobsSchema.parse({});

/** The knobs a sandbox process starts with (SANDBOX_KNOBS): each sandbox's, or none. */
const StartingKnobsSchema = z.strictObject({
  mdes: KnobsSchema.optional(),
  vts: KnobsSchema.optional(),
  tokenRequestors: KnobsSchema.optional(),
});
export type StartingKnobs = z.output<typeof StartingKnobsSchema>;

/**
 * SANDBOX_KNOBS (its JSON, as config/env.ts reads it) checked at start: a wrong knob is named in the error,
 * e.g. SANDBOX_KNOBS.mdes.latencyMs.
 */
export function parseStartingKnobs(json: unknown): StartingKnobs {
  const parsed = StartingKnobsSchema.safeParse(json);
  if (!parsed.success) throw invalidEnvironment(parsed.error.issues, 'SANDBOX_KNOBS');
  return parsed.data;
}

/** A partial change: each given section replaces those fields of the current knobs; a field set to null is unset. */
export function mergeKnobs(current: Knobs, change: Record<string, unknown>): z.ZodSafeParseResult<Knobs> {
  const merged: Record<string, unknown> = { ...current };
  for (const [section, value] of Object.entries(change)) {
    const before = (current as Record<string, unknown>)[section];
    merged[section] =
      typeof before === 'object' &&
      before !== null &&
      !Array.isArray(before) &&
      typeof value === 'object' &&
      value !== null
        ? Object.fromEntries(Object.entries({ ...before, ...value }).filter(([, field]) => field !== null))
        : value;
  }
  return KnobsSchema.safeParse(merged);
}

export function declinesCard(knobs: Knobs, pan: string): boolean {
  return (
    knobs.declines.accountRanges.some((range) => pan.startsWith(range)) ||
    (knobs.declines.panPattern !== undefined && new RegExp(knobs.declines.panPattern).test(pan))
  );
}
