/**
 * Creates a key file whole or not at all, when several processes may start at once on one key folder: the
 * content goes to a scratch file first, then is linked in place (link fails if the file is there: the first one
 * wins, and every process reads it). `writeFile` with `wx` let a second process read the file half written.
 */
import { randomUUID } from 'node:crypto';
import { link, rm, writeFile } from 'node:fs/promises';

export async function createWhole(file: string, content: string): Promise<void> {
  const scratch = `${file}.${randomUUID()}`;
  await writeFile(scratch, content, { mode: 0o600 });
  try {
    await link(scratch, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(scratch, { force: true });
  }
}
