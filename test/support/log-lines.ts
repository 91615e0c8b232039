/** A log destination that keeps every line written to it, for tests that read what was logged. */
import { Writable } from 'node:stream';

export interface LogLines {
  stream: Writable;
  /** Everything written so far. */
  text: () => string;
}

export function logLines(): LogLines {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => lines.join('') };
}
