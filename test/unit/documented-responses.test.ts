// The check the typed-client tests hold the API's answers to (test/support/documented-responses.ts): an answer
// the OpenAPI document does not describe (a status, a media type, a field) fails the call.
import { describe, expect, it } from 'vitest';
import { createPushprovClient, type PushprovClient } from '../../clients/api/index.js';
import { documentedResponses } from '../support/documented-responses.js';

const id = `enrollment-${'0'.repeat(32)}`;
const view = {
  id,
  status: 'AWAITING_AUTHENTICATION',
  tokenRequestorId: '50110030273',
  pushMethod: 'WEB',
  cards: [],
  authentication: { method: 'otp' },
  freshPushUsed: false,
  timeline: [],
  links: { self: `/v1/enrollments/${id}` },
};
const problem = { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such enrollment' };

/** A client whose every call is answered with this status, body and media type, checked against the document. */
function answering(status: number, body: unknown, mediaType = 'application/json'): PushprovClient {
  const documented = documentedResponses();
  const client = createPushprovClient({
    baseUrl: 'http://127.0.0.1:9',
    token: 'a-token',
    fetch: () =>
      Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': mediaType } })),
  });
  client.use(documented.middleware);
  return client;
}

const getEnrollment = (client: PushprovClient) => client.GET('/v1/enrollments/{id}', { params: { path: { id } } });

describe('answers held to the OpenAPI document', () => {
  it('lets through what the document declares: a view, a problem', async () => {
    expect((await getEnrollment(answering(200, view))).data).toEqual(view);
    const notFound = await getEnrollment(answering(404, problem, 'application/problem+json'));
    expect(notFound.error).toEqual(problem);
  });

  it('fails a status the operation does not declare', async () => {
    await expect(getEnrollment(answering(418, problem, 'application/problem+json'))).rejects.toThrow(
      /GET \/v1\/enrollments\/\{id\} 418: the document declares .*, not 418/,
    );
  });

  it('fails a media type the status does not declare', async () => {
    await expect(getEnrollment(answering(404, problem))).rejects.toThrow(
      /404: application\/json where the document declares application\/problem\+json/,
    );
  });

  it('fails a body with a field the document does not declare, or without one it requires', async () => {
    await expect(getEnrollment(answering(200, { ...view, secret: 'x' }))).rejects.toThrow(
      /must NOT have additional properties/,
    );
    const { timeline: _timeline, ...withoutTimeline } = view;
    await expect(getEnrollment(answering(200, withoutTimeline))).rejects.toThrow(
      /must have required property 'timeline'/,
    );
    await expect(getEnrollment(answering(200, { ...view, status: 'SOMEWHERE' }))).rejects.toThrow(
      /must be equal to one of the allowed values/,
    );
  });
});
