/**
 * An issuer's webhook endpoint for the tests: an HTTP server that verifies each delivery's signature with
 * the secrets it is given, answers 500 while told to fail (or any status it is told), and keeps every
 * request it got, in order, with its verdict and its answer. And keys that seal the secrets stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileEncryptionKey } from '../../activities/keys/file-key-handles.js';
import type { WebhookSecretKeys } from '../../activities/webhooks/webhook-secret-seal.js';
import { verifyWebhookSignature, type SignatureVerdict } from '../../activities/webhooks/webhook-signature.js';
import { webhookHeaders, type WebhookEventBody } from '../../domain/webhook-events.js';

export interface ReceivedDelivery {
  eventId: string | undefined;
  eventType: string | undefined;
  body: WebhookEventBody;
  verdict: SignatureVerdict;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  /** The status it answers with now (500: failing). */
  answer: number;
  secrets: string[];
  received: ReceivedDelivery[];
  /** The deliveries it took (answered 2xx). */
  accepted(): ReceivedDelivery[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(answer = 200): Promise<WebhookReceiver> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => request.headers[name] as string | undefined;
      receiver.received.push({
        eventId: header(webhookHeaders.eventId),
        eventType: header(webhookHeaders.eventType),
        body: JSON.parse(text) as WebhookEventBody,
        verdict: verifyWebhookSignature(header(webhookHeaders.signature), text, receiver.secrets),
        answered: receiver.answer,
      });
      response.writeHead(receiver.answer).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pushprov-events`,
    answer,
    secrets: [],
    received: [],
    accepted: () => receiver.received.filter((delivery) => delivery.answered >= 200 && delivery.answered < 300),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return receiver;
}

/** Keys that seal webhook secrets in a test: one AES-256 key of the test's own, as the vault's would. */
export function testWebhookSecretKeys(): WebhookSecretKeys {
  const key = fileEncryptionKey(`webhook-test-${randomUUID()}`, randomBytes(32));
  return { currentEncryption: key, encryptionKey: (kid) => (kid === key.kid ? key : undefined) };
}
