/** Reading what a workflow history holds: raw (as stored by Temporal) and with its payloads decoded. */
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Every text in a value (strings, and byte arrays read as UTF-8): where a card number would show. */
export function historyTexts(value: unknown, texts: string[] = []): string[] {
  if (value instanceof Uint8Array) texts.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') texts.push(value);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) historyTexts(item, texts);
  return texts;
}

function isPayload(value: unknown): value is Payload {
  return typeof value === 'object' && value !== null && 'metadata' in value && 'data' in value;
}

/** Every payload of a value, wherever it is nested. */
export function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (isPayload(value)) found.push(value);
  else if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) payloadsIn(item, found);
  }
  return found;
}

/** The texts of every payload once the codec has decoded it. */
export async function decodedPayloadTexts(value: unknown, codec: PayloadCodec): Promise<string[]> {
  const decoded = await codec.decode(payloadsIn(value));
  return decoded.flatMap((payload) => historyTexts(payload));
}
