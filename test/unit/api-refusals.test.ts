// The API's answers to an enrollment's refusals: by the failure's type and details, through the one table in
// api/refusals.ts; a message that reads like a refusal but has no refusal type is not one.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  ActivityFailure,
  ApplicationFailure,
  DefaultFailureConverter,
  defaultPayloadConverter,
  RetryState,
  WorkflowNotFoundError,
} from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.js';
import { answerRefusal, refusalAnswers, refusalOf } from '../../api/refusals.js';
import { ErrorType, refusalTypes, type RefusalType } from '../../domain/errors.js';
import { closeAfterEach } from '../support/close-after-each.js';

const closing = closeAfterEach();

/** An update refused by the workflow with this failure, as the client reports it. */
function refused(failure: Error): WorkflowUpdateFailedError {
  return new WorkflowUpdateFailedError('Workflow Update failed', failure);
}

function refusal(type: string, message: string, details: unknown[] = []): WorkflowUpdateFailedError {
  return refused(ApplicationFailure.create({ type, message, details }));
}

/** The app with a route that fails as an update would, answered the way consumer-routes' update() does. */
async function appFailingWith(error: unknown): Promise<FastifyInstance> {
  const app = closing(await buildApp({ readinessChecks: {} }));
  app.post('/update', async (_request, reply) => {
    const answer = refusalOf(error);
    if (!answer) throw error;
    return answerRefusal(reply, answer);
  });
  return app;
}

describe('the refusal table', () => {
  it('answers every refusal type with a 4xx, or a 503 for a code the gateway did not send', () => {
    expect(Object.keys(refusalAnswers).sort()).toEqual([...refusalTypes].sort());
    for (const type of refusalTypes) {
      const { status } = refusalAnswers[type];
      expect(type === ErrorType.CodeNotSent ? status === 503 : status >= 400 && status < 500).toBe(true);
    }
  });

  it.each<[RefusalType, number]>([
    [ErrorType.InvalidRequest, 400],
    [ErrorType.WrongAuthenticationMethod, 409],
    [ErrorType.NotAwaited, 409],
    [ErrorType.AttemptsExhausted, 409],
    [ErrorType.CardAlreadyAdded, 409],
    [ErrorType.EnrollmentEnded, 409],
    [ErrorType.CodeNotSent, 503],
  ])('answers %s with %i and the enrollment’s own words', (type, status) => {
    expect(refusalOf(refusal(type, 'In the enrollment’s words'))).toEqual({
      status,
      type: `/problems/${refusalAnswers[type].name}`,
      title: refusalAnswers[type].title,
      detail: 'In the enrollment’s words',
    });
  });

  it('answers TooSoon with 429 and the seconds its details carry', () => {
    expect(refusalOf(refusal(ErrorType.TooSoon, 'Not yet', [{ retryAfterSeconds: 17 }]))).toEqual({
      status: 429,
      type: '/problems/too-soon',
      title: 'Not now',
      detail: 'Not yet',
      retryAfterSeconds: 17,
    });
  });

  it.each([
    [[]],
    [[{}]],
    [[{ retryAfterSeconds: '17' }]],
    [[{ retryAfterSeconds: 0 }]],
    [[{ retryAfterSeconds: 1.5 }]],
  ])('gives no Retry-After for TooSoon details that do not hold whole seconds: %j', (details) => {
    expect(refusalOf(refusal(ErrorType.TooSoon, 'Not yet', details))).toEqual({
      status: 429,
      type: '/problems/too-soon',
      title: 'Not now',
      detail: 'Not yet',
    });
  });

  it('reads the type and details as the client decodes them from the workflow’s failure', () => {
    const converter = new DefaultFailureConverter({ encodeCommonAttributes: true });
    const sent = ApplicationFailure.create({
      type: ErrorType.TooSoon,
      message: 'A new code can be sent in 30 s',
      details: [{ retryAfterSeconds: 30 }],
    });
    const received = converter.failureToError(
      converter.errorToFailure(sent, defaultPayloadConverter),
      defaultPayloadConverter,
    );
    expect(refusalOf(refused(received))).toMatchObject({ status: 429, retryAfterSeconds: 30 });
  });
});

describe('the enrollment’s end', () => {
  it('is an execution the server no longer has running (NOT_FOUND)', () => {
    const gone = new WorkflowNotFoundError('workflow execution already completed', 'enrollment-1', undefined);
    expect(refusalOf(gone)).toEqual({
      status: 409,
      type: '/problems/enrollment-ended',
      title: 'Not now',
      detail: 'The enrollment has ended',
    });
  });

  it.each(['AcceptedUpdateCompletedWorkflow', 'UnprocessedUpdate'])(
    'is the server’s %s failure: the workflow closed before taking the update',
    (type) => {
      expect(refusalOf(refusal(type, 'Workflow Update failed because the Workflow completed'))).toEqual({
        status: 409,
        type: '/problems/enrollment-ended',
        title: 'Not now',
        detail: 'The enrollment has ended',
      });
    },
  );
});

describe('the problem types', () => {
  it('each answer names a type of its own, which the API describes at that path', async () => {
    const app = closing(await buildApp({ readinessChecks: {} }));
    const types = Object.values(refusalAnswers).map((answer) => `/problems/${answer.name}`);
    expect(new Set(types).size).toBe(types.length);
    for (const type of refusalTypes) {
      const answer = refusalAnswers[type];
      const response = await app.inject({ method: 'GET', url: `/problems/${answer.name}` });
      expect([response.statusCode, response.json()]).toEqual([
        200,
        { type: `/problems/${answer.name}`, title: answer.title, status: answer.status, description: answer.meaning },
      ]);
    }
  });

  it('is a 404 problem for a type the API does not name', async () => {
    const app = closing(await buildApp({ readinessChecks: {} }));
    const response = await app.inject({ method: 'GET', url: '/problems/4111111111111111' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.body).not.toContain('4111111111111111');
  });
});

describe('failures that are no refusal', () => {
  it.each<[string, unknown]>([
    ['a plain Error whose text reads like the old cooldown', refusal('Error', 'A new code can be sent in 30 s')],
    ['a plain Error that says completed', new Error('workflow execution already completed')],
    ['an untyped update failure that says closed', refusal('Error', 'The enrollment is closed')],
    [
      'an activity that failed inside a handler',
      refused(
        new ActivityFailure(
          'Activity task failed',
          'checkOneTimeCode',
          '1',
          RetryState.MAXIMUM_ATTEMPTS_REACHED,
          undefined,
        ),
      ),
    ],
    ['a refusal type the table does not know', refusal('SomethingElse', 'Not now')],
  ])('are not answered here: %s', (_name, error) => {
    expect(refusalOf(error)).toBeUndefined();
  });
});

describe('the answer', () => {
  it('is a problem with the status, the title, the detail and Retry-After', async () => {
    const app = await appFailingWith(
      refusal(ErrorType.TooSoon, 'A new code can be sent in 12 s', [{ retryAfterSeconds: 12 }]),
    );
    const response = await app.inject({ method: 'POST', url: '/update' });
    expect([response.statusCode, response.headers['retry-after'], response.headers['content-type']]).toEqual([
      429,
      '12',
      'application/problem+json; charset=utf-8',
    ]);
    expect(response.json()).toEqual({
      type: '/problems/too-soon',
      title: 'Not now',
      status: 429,
      detail: 'A new code can be sent in 12 s',
    });
  });

  it('is the API’s own 500 for a failure that is no refusal, quoting nothing of it', async () => {
    const app = await appFailingWith(refusal('Error', 'internal: vault key 7 missing'));
    const response = await app.inject({ method: 'POST', url: '/update' });
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('vault key');
  });
});
