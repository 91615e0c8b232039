/**
 * The issuer's tokenisation decisions as the networks wait on them: wallet-initiated tokenisations started at
 * each sandbox network's simulate endpoint (the demo customers' cards, typed into a wallet, on file at a
 * merchant, with the wallet's scores), each running authorizeService against the issuer's decisioning.
 * Reported: authorizeService as the network timed it (from its ledger: the issuer's answer, its HTTP and
 * signature checks included), which must stay under 500 ms at p99, and the whole simulated tokenisation.
 * The mix covers GREEN, YELLOW (an activation workflow started) and RED (the riskiest device); the velocity
 * rules still count every tokenisation but are set out of reach (benchRulesFile).
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadDecisionRules } from '../api/decision-rules-file.js';
import { demoCustomers } from '../api/demo-customers.js';
import { percentiles, type Percentiles } from './at-concurrency.js';

export interface DecisionLevel {
  concurrency: number;
  tokenisations: number;
  failed: number;
  perSecond: number;
  outcomes: Record<string, number>;
  /** Milliseconds: authorizeService as the network timed it. */
  authorizeService: Percentiles;
  /** Milliseconds: the whole simulated tokenisation, from the bench. */
  tokenisation: Percentiles;
}

const cards = Object.values(demoCustomers).flat();
const asks = [
  { source: 'ON_FILE', recommendation: 'APPROVED', accountScore: 5, deviceScore: 5 },
  { source: 'KEY_ENTERED', recommendation: 'APPROVED', accountScore: 4, deviceScore: 4 },
  { source: 'ON_FILE', deviceScore: 1 },
  { source: 'CAMERA_CAPTURED', silent: true },
];

/**
 * The shipped rules with their velocity limits out of reach: the bench tokenises the same few demo cards
 * hundreds of times, and would otherwise measure only the velocity rules' RED after the first seconds.
 */
export async function benchRulesFile(): Promise<string> {
  const rules = loadDecisionRules();
  for (const { when } of rules.rules) {
    for (const limit of [when.cardTokenisations, when.customerTokenisations]) if (limit) limit.over = 10_000;
  }
  const file = path.join(tmpdir(), `pushprov-bench-rules-${process.pid}.json`);
  await writeFile(file, JSON.stringify({ ...rules, version: `${rules.version}+bench` }));
  return file;
}

export async function benchmarkDecisions(
  urls: { mdes: string; vts: string },
  options: { secondsPerLevel: number; levels: number[]; log: (line: string) => void },
): Promise<DecisionLevel[]> {
  const levels: DecisionLevel[] = [];
  let next = 0;
  for (const concurrency of options.levels) {
    const since = await lastSeq(urls);
    const samples: number[] = [];
    const outcomes: Record<string, number> = {};
    let failed = 0;
    const started = performance.now();
    const deadline = started + options.secondsPerLevel * 1_000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < deadline) {
          const turn = next++;
          const card = cards[turn % cards.length]!;
          const network = card.pan.startsWith('4') ? 'vts' : 'mdes';
          const began = performance.now();
          const response = await fetch(`${urls[network]}/sandbox/simulate/tokenizations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              tokenRequestorId: '50110030273',
              account: { accountNumber: card.pan, expiryMonth: card.expiryMonth, expiryYear: card.expiryYear },
              ...asks[turn % asks.length],
            }),
          });
          const body = (await response.json()) as { decision?: string; issuerReason?: string };
          if (!response.ok || !body.decision) {
            failed += 1;
            if (failed <= 3) options.log(`failed: ${response.status} ${JSON.stringify(body)}`);
            continue;
          }
          samples.push(performance.now() - began);
          // The fail-safe's answers counted apart: the decision was not made in time.
          const outcome = body.issuerReason === 'ISSUER_DECISIONING_UNAVAILABLE' ? 'FAIL_SAFE' : body.decision;
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1_000;
    const timed = await authorizeServiceDurations(urls, since);
    levels.push({
      concurrency,
      tokenisations: samples.length,
      failed,
      perSecond: samples.length / seconds,
      outcomes,
      authorizeService: percentiles(timed),
      tokenisation: percentiles(samples),
    });
    options.log(`concurrency ${concurrency}: ${samples.length} tokenisations, ${timed.length} authorizeService timed`);
  }
  return levels;
}

interface LedgerEntry {
  seq: number;
  kind: string;
  name?: string;
  durationMs?: number;
}

async function ledgerOf(url: string): Promise<LedgerEntry[]> {
  const response = await fetch(`${url}/sandbox/ledger?kind=callback`);
  const body = (await response.json()) as { entries?: LedgerEntry[] } | LedgerEntry[];
  return Array.isArray(body) ? body : (body.entries ?? []);
}

async function lastSeq(urls: { mdes: string; vts: string }): Promise<{ mdes: number; vts: number }> {
  const last = async (url: string) => Math.max(0, ...(await ledgerOf(url)).map((entry) => entry.seq));
  return { mdes: await last(urls.mdes), vts: await last(urls.vts) };
}

async function authorizeServiceDurations(
  urls: { mdes: string; vts: string },
  since: { mdes: number; vts: number },
): Promise<number[]> {
  const durations: number[] = [];
  for (const network of ['mdes', 'vts'] as const) {
    for (const entry of await ledgerOf(urls[network])) {
      if (entry.seq > since[network] && entry.name === 'authorizeService' && entry.durationMs !== undefined) {
        durations.push(entry.durationMs);
      }
    }
  }
  return durations;
}
