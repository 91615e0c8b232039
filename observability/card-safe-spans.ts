/**
 * The one rule that keeps card data out of every exported span, whatever instrumentation made it: before a
 * span leaves the process, an attribute (of the span, its events or links) whose key or value holds a
 * card-number-like run, or whose value is not a string, number or boolean (or an array of them), is dropped, and such a run in a span's name, an event's name or the status message is
 * masked. And the ids this process draws never read as card numbers themselves (a traceparent is kept in
 * the enrollments table and shows in logs, where a Luhn-valid run would be taken for a card).
 */
import type { Attributes, Link, SpanStatus } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import {
  RandomIdGenerator,
  type IdGenerator,
  type ReadableSpan,
  type SpanExporter,
  type TimedEvent,
} from '@opentelemetry/sdk-trace-base';
import { holdsCardNumber, maskCardNumbersIn } from '../domain/caller-text.js';

/**
 * The attribute that says how many card-number-like things were removed from a span (attributes dropped,
 * names and messages masked): a trace shows that something was, and a test that nothing had to be.
 */
export const cardDataRemoved = 'pushprov.card_data_removed';

type Verdict = 'keep' | 'card' | 'invalid';

/**
 * A value may be exported when it is a string or a number without a card-number-like run, a boolean, or an
 * array of those. Anything else is not an attribute value (Temporal's sink for the workflows' spans copies
 * the whole WorkflowInfo, memo and search attributes included, into the attributes) and is dropped.
 */
function verdictOf(value: unknown): Verdict {
  if (typeof value === 'string' || typeof value === 'number') return holdsCardNumber(String(value)) ? 'card' : 'keep';
  if (typeof value === 'boolean' || value === null || value === undefined) return 'keep';
  if (!Array.isArray(value)) return 'invalid';
  const verdicts = value.map((item) => (Array.isArray(item) ? 'invalid' : verdictOf(item)));
  return verdicts.includes('card') ? 'card' : verdicts.includes('invalid') ? 'invalid' : 'keep';
}

/** One span's scrubbing: what it changes, and how many card-number-like things it found. */
class Scrub {
  found = 0;

  text(text: string): string {
    const masked = maskCardNumbersIn(text);
    if (masked !== text) this.found += 1;
    return masked;
  }

  /** The same object when nothing is dropped. */
  attributes(attributes: Attributes): Attributes {
    const kept: Attributes = {};
    let dropped = false;
    for (const [key, value] of Object.entries(attributes)) {
      const verdict = holdsCardNumber(key) ? 'card' : verdictOf(value);
      if (verdict === 'keep') kept[key] = value;
      else dropped = true;
      if (verdict === 'card') this.found += 1;
    }
    return dropped ? kept : attributes;
  }

  event(event: TimedEvent): TimedEvent {
    const name = this.text(event.name);
    const attributes = event.attributes && this.attributes(event.attributes);
    return name === event.name && attributes === event.attributes ? event : { ...event, name, attributes };
  }

  link(link: Link): Link {
    const attributes = link.attributes && this.attributes(link.attributes);
    return attributes === link.attributes ? link : { ...link, attributes };
  }

  status(status: SpanStatus): SpanStatus {
    const message = status.message === undefined ? undefined : this.text(status.message);
    return message === status.message ? status : { ...status, message };
  }
}

/** The span as it may leave the process: itself when it holds nothing to remove (nearly always), else a safe copy. */
export function cardSafeSpan(span: ReadableSpan): ReadableSpan {
  const scrub = new Scrub();
  const name = scrub.text(span.name);
  const status = scrub.status(span.status);
  const attributes = scrub.attributes(span.attributes);
  const events = span.events.map((event) => scrub.event(event));
  const links = span.links.map((link) => scrub.link(link));
  const unchanged =
    name === span.name &&
    status === span.status &&
    attributes === span.attributes &&
    events.every((event, index) => event === span.events[index]) &&
    links.every((link, index) => link === span.links[index]);
  if (unchanged) return span;
  return {
    name,
    kind: span.kind,
    spanContext: () => span.spanContext(),
    ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
    startTime: span.startTime,
    endTime: span.endTime,
    status,
    attributes: scrub.found === 0 ? attributes : { ...attributes, [cardDataRemoved]: scrub.found },
    links,
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount:
      span.droppedAttributesCount + Object.keys(span.attributes).length - Object.keys(attributes).length,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** An exporter that hands `exporter` only card-safe spans: every span processor of the process goes through one. */
export class CardSafeSpanExporter implements SpanExporter {
  constructor(private readonly exporter: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exporter.export(spans.map(cardSafeSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.exporter.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.exporter.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * Random ids that never begin or end with a decimal digit nor hold a card-number-like run, so that no
 * traceparent (`00-<trace id>-<span id>-01`, whose hyphens could join the digits of two ids) reads as one.
 */
export class CardSafeIdGenerator implements IdGenerator {
  private readonly random = new RandomIdGenerator();

  generateTraceId(): string {
    return drawUntilSafe(() => this.random.generateTraceId());
  }

  generateSpanId(): string {
    return drawUntilSafe(() => this.random.generateSpanId());
  }
}

const digit = /[0-9]/;

/** Whether an id can be used as a trace or span id: it neither begins nor ends with a digit, and holds no card-number-like run. */
export function isCardSafeId(id: string): boolean {
  return !digit.test(id[0] ?? '0') && !digit.test(id.at(-1) ?? '0') && !holdsCardNumber(id);
}

function drawUntilSafe(draw: () => string): string {
  for (;;) {
    const id = draw();
    if (isCardSafeId(id)) return id;
  }
}
