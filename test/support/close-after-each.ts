/** What a test opens (apps, servers) is closed after it, passed or failed, so that no test leaks into the next. */
import { afterEach } from 'vitest';

interface Closable {
  close(): unknown;
}

/**
 * Call once at the top of a test file: the function it returns hands back what it is given, and closes it,
 * the last opened first, after the test that opened it.
 */
export function closeAfterEach(): <T extends Closable>(opened: T) => T {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const opened of open.splice(0).reverse()) await opened.close();
  });
  return (opened) => {
    open.push(opened);
    return opened;
  };
}
