// The operator enrollment search's pages over a scan of the enrollments table and Temporal's visibility
// (both test doubles here): paged through with a visibility filter that leaves some rows out, every matching
// enrollment comes once, in order, whatever the page size, a page filling inside the scan's last, short,
// database page included.
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { enrollmentPage } from '../../api/operator-search-routes.js';
import type { EnrollmentRecord } from '../../db/operator-search.js';
import { EnrollmentStatusKey } from '../../domain/search-attributes.js';

type After = { key: string; enrollmentId: string };

/** Enrollments newest first, as the table's scan orders them; every third one FAILED, the others COMPLETED. */
const table: (EnrollmentRecord & { status: string })[] = Array.from({ length: 23 }, (_, index) => {
  const second = String(59 - index).padStart(2, '0');
  return {
    enrollmentId: `enrollment-${String(index).padStart(2, '0')}`,
    customerId: 'customer-1',
    createdAt: new Date(`2026-12-03T10:00:${second}Z`),
    key: `2026-12-03 10:00:${second}+00`,
    cards: [],
    status: index % 3 === 1 ? 'FAILED' : 'COMPLETED',
  };
});

/** The scan: rows strictly older than the cursor, up to the limit (as searchEnrollments answers). */
const scan = (page: { limit: number; after?: After }): Promise<EnrollmentRecord[]> => {
  const from = page.after ? table.findIndex((row) => row.enrollmentId === page.after!.enrollmentId) + 1 : 0;
  return Promise.resolve(table.slice(from, from + page.limit).map(({ status: _status, ...row }) => row));
};

/** Visibility: the workflows of the ids asked, with the status asked when one is. */
const temporal = {
  workflow: {
    async *list({ query }: { query: string }) {
      const ids = [...(/WorkflowId IN \(([^)]*)\)/.exec(query)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]);
      const status = new RegExp(`${EnrollmentStatusKey.name} = '([A-Z_]+)'`).exec(query)?.[1];
      for (const row of table) {
        if (!ids.includes(row.enrollmentId) || (status && row.status !== status)) continue;
        yield await Promise.resolve({
          workflowId: row.enrollmentId,
          typedSearchAttributes: {
            get: (key: { name: string }) => (key.name === 'EnrollmentStatus' ? row.status : undefined),
          },
        });
      }
    },
  },
} as unknown as Client;

async function everyPage(limit: number, status?: string): Promise<{ ids: string[]; sizes: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let after: After | undefined;
  for (let pages = 0; pages < 50; pages += 1) {
    const page = await enrollmentPage(temporal, {
      scan,
      filters: status ? { status: status as 'COMPLETED' } : {},
      limit,
      ...(after && { after }),
    });
    ids.push(...page.enrollments.map((enrollment) => enrollment.enrollmentId));
    sizes.push(page.enrollments.length);
    if (!page.next) return { ids, sizes };
    after = page.next;
  }
  throw new Error('the pages never ended');
}

describe('operator enrollment search pages', () => {
  it('come with every enrollment once, in order, when visibility leaves some rows out, whatever the page size', async () => {
    const completed = table.filter((row) => row.status === 'COMPLETED').map((row) => row.enrollmentId);
    for (let limit = 1; limit <= 24; limit += 1) {
      expect((await everyPage(limit, 'COMPLETED')).ids, `limit ${limit}`).toEqual(completed);
    }
  });

  it('fill a page inside the last, short, scan and still say more follow', async () => {
    // Limit 7: the second page scans rows 10-16, then 17-22 (six: the table's end), and fills at row 20;
    // row 21 (COMPLETED) is still to come, on a third page.
    const { ids, sizes } = await everyPage(7, 'COMPLETED');
    expect(sizes).toEqual([7, 7, 1]);
    expect(ids.slice(-2)).toEqual(['enrollment-20', 'enrollment-21']);
  });

  it('come unfiltered a page of rows at a time', async () => {
    expect(await everyPage(5)).toEqual({ ids: table.map((row) => row.enrollmentId), sizes: [5, 5, 5, 5, 3] });
  });
});
