import { describe, expect, it } from 'vitest';
import { Teardown } from '../support/teardown.js';
import { rejectionOf } from '../support/rejection.js';

describe("a set-up's teardown", () => {
  it('stops what was started, newest first, every step even after one fails, and rejects with the first failure', async () => {
    const stopped: string[] = [];
    const teardown = new Teardown();
    teardown.add(() => stopped.push('database'));
    teardown.add(() => Promise.reject(new Error('the server would not stop')));
    teardown.add(async () => {
      await Promise.resolve();
      stopped.push('api');
    });
    const failure = await rejectionOf(teardown.run(), Error);
    expect(failure.message).toBe('the server would not stop');
    expect(stopped).toEqual(['api', 'database']);
    await teardown.run(); // nothing is left to stop
    expect(stopped).toEqual(['api', 'database']);
  });

  it('stops what a failed set-up had started, then rethrows why it failed', async () => {
    const stopped: string[] = [];
    const teardown = new Teardown();
    teardown.add(() => stopped.push('temporal'));
    teardown.add(() => Promise.reject(new Error('ignored: the cause matters')));
    const cause = new Error('listen EADDRINUSE');
    expect(await rejectionOf(teardown.abandon(cause), Error)).toBe(cause);
    expect(stopped).toEqual(['temporal']);
  });
});
