/**
 * How a token operation walks its tokens, shared by the lifecycle and card replacement workflows: one page
 * of targets acted on at most `perSecond` started per second (a workflow timer between batches, the
 * network's request quota), the counts and the cursor kept up to date as each batch ends. The caller
 * continues as new when the page was full.
 */
import { sleep } from '@temporalio/workflow';
import type { LifecycleCursor, LifecycleOutcome, LifecycleTarget } from '../db/token-lifecycle.js';

export async function paceThroughPage(
  page: readonly LifecycleTarget[],
  options: {
    perSecond: number;
    /** The page was full: more may follow it, so its last batch waits its second too. */
    pageFull: boolean;
    progress: { after?: LifecycleCursor; applied: number; refused: number };
    act: (target: LifecycleTarget) => Promise<LifecycleOutcome>;
    /** After each batch, with the progress updated. */
    afterBatch: () => void;
  },
): Promise<void> {
  const { perSecond, progress } = options;
  for (let start = 0; start < page.length; start += perSecond) {
    // The quota: the next calls (this page's, or the next page's) start a second after these, at the earliest.
    const more = start + perSecond < page.length || options.pageFull;
    const second = more ? sleep('1 second') : undefined;
    const outcomes = await Promise.all(page.slice(start, start + perSecond).map(options.act));
    for (const outcome of outcomes) progress[outcome.outcome === 'APPLIED' ? 'applied' : 'refused'] += 1;
    options.afterBatch();
    const last = outcomes.at(-1)!;
    progress.after = { network: last.network, tokenUniqueReference: last.tokenUniqueReference };
    if (second) await second;
  }
}
