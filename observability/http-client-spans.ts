/**
 * Outgoing HTTP calls (to the networks, the wallets, the issuer's webhooks) as client spans, with the W3C
 * traceparent sent along. What a span records is what the caller names (the peer, the operation) and the
 * method, host and status: never the URL's path or query, a header or a body. Without tracing, the call is
 * plain `fetch`.
 */
import { context, propagation, SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { activeTracer } from './tracing.js';

/** Who is called and for what, from closed sets of the caller's (`MDES`, `pushAccounts`). */
export interface OutgoingCall {
  peer: string;
  operation: string;
  /** More identifiers that are safe to record (a token requestor id, a webhook subscription). */
  attributes?: Attributes;
}

export const peerAttribute = 'pushprov.peer';
export const operationAttribute = 'pushprov.operation';

/** `fetch`, in a client span when tracing is installed. */
export function tracedFetch(
  call: OutgoingCall,
  url: string,
  init: RequestInit & { method: string },
): Promise<Response> {
  const tracer = activeTracer();
  if (!tracer) return fetch(url, init);
  const { hostname, port, protocol } = new URL(url);
  return tracer.startActiveSpan(
    `${init.method} ${call.peer} ${call.operation}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        ...call.attributes,
        [peerAttribute]: call.peer,
        [operationAttribute]: call.operation,
        [ATTR_HTTP_REQUEST_METHOD]: init.method,
        [ATTR_SERVER_ADDRESS]: hostname,
        [ATTR_SERVER_PORT]: Number(port || (protocol === 'https:' ? 443 : 80)),
      },
    },
    async (span) => {
      const headers = new Headers(init.headers);
      propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
      try {
        const response = await fetch(url, { ...init, headers });
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
        if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        // The kind of failure only: a message can quote the URL.
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', error instanceof Error ? error.name : 'Error');
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
