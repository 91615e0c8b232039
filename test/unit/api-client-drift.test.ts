// The typed client (clients/api) is generated from the API's OpenAPI document: the committed document and types
// are what the routes' schemas give today, so a route changed without `npm run client:generate` fails here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clientFiles, generateApiClient, regenerateCommand } from '../../scripts/generate-api-client.js';

const repository = fileURLToPath(new URL('../..', import.meta.url));

/** The first line where the committed file and the generated one part, for the failure's message. */
function firstDifference(committed: string, generated: string): string {
  const committedLines = committed.split('\n');
  const generatedLines = generated.split('\n');
  const line = generatedLines.findIndex((text, index) => text !== committedLines[index]);
  const at = line === -1 ? generatedLines.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(committedLines[at] ?? '(end)')}, generated ${JSON.stringify(generatedLines[at] ?? '(end)')}`;
}

describe('the typed client', () => {
  it('is generated from the OpenAPI document the routes give today', async () => {
    const generated = await generateApiClient();
    for (const [name, file] of Object.entries(clientFiles) as [keyof typeof clientFiles, string][]) {
      const committed = await readFile(file, 'utf8').catch(() => '');
      if (committed !== generated[name]) {
        expect.fail(
          `${path.relative(repository, file)} is out of date with the API's routes (${firstDifference(committed, generated[name])}): run \`${regenerateCommand}\` and commit the result`,
        );
      }
    }
  }, 60_000);
});
