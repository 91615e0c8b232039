/**
 * What the end-to-end wallet tests share: a new customer with a fresh card of a network on file (so that no
 * two tests' provisionings share a card), such a card with an ACTIVE token, the customer's token inventory,
 * and the sandbox's ledgers.
 */
import { randomInt } from 'node:crypto';
import { luhnValid, maskPan } from '../../domain/card-number.js';
import type { SamsungPayPayload } from '../../domain/wallets.js';
import { apiCaller, enrollmentReaches, type Caller } from './api-caller.js';
import { cardIdOf } from './apple-wallet.js';
import type { EngineStack } from './engine-stack.js';
import { eventually } from './eventually.js';
import { addCard, provisionForSamsung, samsungDevice } from './samsung-wallet.js';

/** A fresh Luhn-valid card number under this BIN. */
export function newPan(bin: string): string {
  const body = `${bin}${String(randomInt(0, 1e9)).padStart(9, '0')}`;
  return Array.from({ length: 10 }, (_, digit) => `${body}${digit}`).find(luhnValid)!;
}

/** A new customer with one card on file under this BIN: its API id and number. */
export async function customerWithCard(
  stack: EngineStack,
  bin: string,
  holder = { expiryMonth: 9, expiryYear: 2031, cardholderName: 'Ada Lovelace' },
): Promise<{ customer: Caller; cardId: string; pan: string }> {
  const customer = await apiCaller(stack);
  const pan = newPan(bin);
  await stack.vault.store(customer.customerId, { pan, ...holder }, 'card-on-file');
  return { customer, cardId: await cardIdOf(customer, maskPan(pan)), pan };
}

export const tokensOf = async (customer: Caller) =>
  (await customer.call('GET', '/v1/tokens')).body.tokens as unknown as {
    tokenUniqueReference: string;
    status: string;
  }[];

/** Waits until the customer's inventory holds this token in this status. */
export const tokenReaches = (customer: Caller, token: string, status: string) =>
  eventually(
    () => tokensOf(customer),
    (tokens) => tokens.some((held) => held.tokenUniqueReference === token && held.status === status),
    `the token ${status} in the inventory`,
  );

/** A sandbox's ledger, filtered as its route filters (each field equal). */
export async function sandboxLedger(
  stack: EngineStack,
  server: 'mdes' | 'vts' | 'tokenRequestors',
  filter: Record<string, string> = {},
): Promise<Record<string, unknown>[]> {
  const response = await fetch(
    `${stack.sandbox.urls[server]}/sandbox/ledger?${new URLSearchParams(filter).toString()}`,
  );
  const body = (await response.json()) as { entries?: Record<string, unknown>[] } | Record<string, unknown>[];
  return Array.isArray(body) ? body : (body.entries ?? []);
}

/** A customer's card with an ACTIVE token in Samsung Pay: its vault ref, and the token. */
export async function cardWithToken(stack: EngineStack, bin: string) {
  const { customer, cardId } = await customerWithCard(stack, bin);
  const device = await samsungDevice(stack);
  const provisioned = await provisionForSamsung(stack, customer, cardId, device);
  const body = provisioned.body as unknown as { enrollmentId: string; samsungPay: SamsungPayPayload };
  const added = await addCard(stack, device, body.samsungPay);
  if (added.body.status !== 'ACTIVE') throw new Error(`Samsung Pay answered ${JSON.stringify(added.body)}`);
  await enrollmentReaches(customer, body.enrollmentId, 'COMPLETED');
  const { rows } = await stack.pool.query<{ card_ref: string }>(
    'SELECT card_ref FROM token_inventory WHERE token_unique_reference = $1',
    [added.body.tokenUniqueReference],
  );
  return { customer, cardRef: rows[0]!.card_ref, token: added.body.tokenUniqueReference! };
}
