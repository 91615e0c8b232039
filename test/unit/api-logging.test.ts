import { describe, expect, it } from 'vitest';
import { maskCardNumbers } from '../../domain/caller-text.js';
import { closeAfterEach } from '../support/close-after-each.js';
import { logLines } from '../support/log-lines.js';

const closing = closeAfterEach();

describe('log redaction', () => {
  it('masks every run of 13 to 19 digits to BIN and last four, wherever it is', () => {
    expect(
      maskCardNumbers({
        msg: 'card 5204 7316 0001 4792 refused',
        nested: [{ pan: '4111111111111111' }, 'short 123456 stays'],
        error: new Error('bad 4111-1111-1111-1111'),
      }),
    ).toEqual({
      msg: 'card 520473******4792 refused',
      nested: [{ pan: '411111******1111' }, 'short 123456 stays'],
      error: { type: 'Error', message: 'bad 411111******1111' },
    });
  });
});

describe('the API logger', () => {
  it('writes no card number and no authorization header, even from a request line', async () => {
    const { buildApp } = await import('../../api/app.js');
    const { apiLoggerOptions } = await import('../../api/logging.js');
    const lines = logLines();
    const app = closing(
      await buildApp(
        { readinessChecks: {} },
        { logger: { ...(apiLoggerOptions('info') as object), stream: lines.stream } },
      ),
    );
    await app.inject({
      method: 'GET',
      url: '/lookup?number=4111111111111111',
      headers: { authorization: 'Bearer secret-token' },
    });
    const log = lines.text();
    expect(log).toContain('411111******1111');
    expect(log).not.toContain('4111111111111111');
    expect(log).not.toContain('secret-token');
  });
});
