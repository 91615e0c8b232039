/**
 * One HTTP call to a card network, with a timeout, and every way it can fail turned into a typed
 * ApplicationFailure: unreachable, timed out or 5xx is retryable, 429 is retryable after Retry-After,
 * everything else is the caller's problem and is not. Messages name the network and its own reason,
 * never the payload.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { ErrorType } from '../../domain/errors.js';
import { tracedFetch } from '../../observability/http-client-spans.js';
import { recordNetworkCall } from './network-metrics.js';

export type NetworkName = 'MDES' | 'VTS';

export interface NetworkFailureDetails {
  network: NetworkName;
  operation: string;
  status?: number;
  /** The network's own reason code (e.g. ACCOUNT_INELIGIBLE, invalidParameter). */
  reasonCode?: string;
}

export function networkFailure(
  type: ErrorType,
  message: string,
  details: NetworkFailureDetails,
  nextRetryDelayMs?: number,
): ApplicationFailure {
  const retryable = type === ErrorType.NetworkUnavailable || type === ErrorType.NetworkRateLimited;
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !retryable,
    details: [details],
    ...(nextRetryDelayMs !== undefined && { nextRetryDelay: nextRetryDelayMs }),
  });
}

/**
 * A network's answer read with its schema. One that does not match is a malformed upstream answer,
 * retryable like a body that is not JSON; the message names the fields and what is wrong with them,
 * never their values.
 */
export function networkAnswer<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  where: { network: NetworkName; operation: string; status: number },
): z.infer<Schema> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join('.') || '(body)'}: ${issue.code}`)
    .join('; ');
  throw networkFailure(
    ErrorType.NetworkUnavailable,
    `${where.network} answered ${where.operation} with a body that does not match its schema (${fields})`,
    where,
  );
}

/** A client's reader of its network's answers: `networkAnswer` with the network named once. */
export function networkAnswerReader(network: NetworkName) {
  return <Schema extends z.ZodType>(schema: Schema, body: unknown, operation: string, status = 200): z.infer<Schema> =>
    networkAnswer(schema, body, { network, operation, status });
}

export interface NetworkRequest {
  network: NetworkName;
  operation: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  /** Sent exactly as given: signatures cover these bytes. */
  body?: string;
  timeoutMs: number;
}

export interface NetworkResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

const maxRetryAfterMs = 60_000;

/** Sends the request; returns any 2xx or 4xx other than 429 for the caller to read, throws for the rest. */
export async function callNetwork(request: NetworkRequest): Promise<NetworkResponse> {
  const startedAt = Date.now();
  try {
    const response = await send(request);
    // The status class, not the status: a label's values come from a closed set, whatever a network answers.
    recordNetworkCall(request.network, request.operation, startedAt, `${Math.floor(response.status / 100)}xx`);
    return response;
  } catch (error) {
    recordNetworkCall(
      request.network,
      request.operation,
      startedAt,
      error instanceof ApplicationFailure ? (error.type ?? 'error') : 'error',
    );
    throw error;
  }
}

async function send(request: NetworkRequest): Promise<NetworkResponse> {
  const where = { network: request.network, operation: request.operation };
  let response: Response;
  try {
    response = await tracedFetch({ peer: request.network, operation: request.operation }, request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined && { body: request.body }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
    throw networkFailure(
      ErrorType.NetworkUnavailable,
      timedOut
        ? `${request.network} did not answer ${request.operation} within ${request.timeoutMs / 1000} s`
        : `${request.network} could not be reached for ${request.operation} (${describeCause(error)})`,
      where,
    );
  }
  let body: unknown;
  try {
    const text = await response.text();
    body = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch (error) {
    if (response.status >= 500 || response.status === 429) body = undefined;
    else if (error instanceof SyntaxError) {
      throw networkFailure(
        ErrorType.NetworkUnavailable,
        `${request.network} answered ${request.operation} with HTTP ${response.status} and a body that is not JSON`,
        { ...where, status: response.status },
      );
    } else {
      throw networkFailure(
        ErrorType.NetworkUnavailable,
        `${request.network} broke off its answer to ${request.operation} (${describeCause(error)})`,
        { ...where, status: response.status },
      );
    }
  }
  if (response.status === 429) {
    const retryAfterMs = retryAfter(response.headers.get('retry-after'));
    throw networkFailure(
      ErrorType.NetworkRateLimited,
      `${request.network} rate-limited ${request.operation}${retryAfterMs !== undefined ? `; retry after ${retryAfterMs / 1000} s` : ''}`,
      { ...where, status: 429 },
      retryAfterMs,
    );
  }
  if (response.status >= 500) {
    throw networkFailure(
      ErrorType.NetworkUnavailable,
      `${request.network} answered ${request.operation} with HTTP ${response.status}`,
      { ...where, status: response.status },
    );
  }
  return { status: response.status, body, headers: response.headers };
}

/** Retry-After in seconds or as an HTTP date, bounded to a minute. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = /^\d+$/.test(header.trim()) ? Number(header) : (Date.parse(header) - Date.now()) / 1000;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(Math.max(seconds * 1000, 0), maxRetryAfterMs);
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
