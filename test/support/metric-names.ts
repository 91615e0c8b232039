/**
 * Metric names on both sides of the check that the dashboard and the alert rules name only what the engine
 * exports: those a PromQL expression reads, and those a Prometheus exposition (a /metrics page) offers.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../config/env.js';

export const alertRulesPath = path.join(projectRoot, 'deploy/observability/prometheus/pushprov-alerts.yml');
/** promtool's unit tests of the rules: the minute-scale alerts, and the refresh's, evaluated hourly over days. */
export const alertRulesTestPaths = ['pushprov-alerts.test.yml', 'pushprov-alerts-refresh.test.yml'].map((file) =>
  path.join(projectRoot, 'deploy/observability/prometheus', file),
);
export const dashboardPath = path.join(projectRoot, 'deploy/observability/grafana/pushprov.json');

// Words of PromQL that read like a metric name: aggregations written `sum by (...) (...)`, grouping and
// set operators, modifiers and constants. Functions are told apart by the parenthesis that follows them.
const promqlWords = new Set([
  ...['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk'],
  ...['quantile', 'limitk', 'limit_ratio', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right'],
  ...['offset', 'bool', 'and', 'or', 'unless', 'atan2', 'inf', 'nan', 'start', 'end'],
]);

/** The metric names a PromQL expression selects (Grafana's `$variables` allowed). */
export function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings: label values, regexes
    .replace(/\$\{?\w+\}?/g, '') // Grafana's variables ($__rate_interval, ${datasource})
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = new Set<string>();
  for (const match of bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*/g)) {
    const isFunction = /^\s*\(/.test(bare.slice(match.index + match[0].length));
    if (!isFunction && !promqlWords.has(match[0].toLowerCase())) names.add(match[0]);
  }
  return [...names];
}

/** The names a Prometheus text exposition offers: its samples' names and, for each family, what it exposes. */
export function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    const family = /^# TYPE (\S+) (\w+)/.exec(line);
    if (family) {
      const [, name, type] = family as unknown as [string, string, string];
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
      if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${name}${suffix}`);
      continue;
    }
    const sample = /^([a-zA-Z_:][\w:]*)[{ ]/.exec(line);
    if (sample) names.add(sample[1]!);
  }
  return names;
}

/** Every expression of the alert rules (`expr: |` blocks or one line), read from the file as written. */
export function ruleExpressions(rulesYaml: string): string[] {
  const expressions: string[] = [];
  const lines = rulesYaml.split('\n');
  lines.forEach((line, index) => {
    const found = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!found) return;
    const [, indent, rest] = found as unknown as [string, string, string];
    if (!/^[|>]/.test(rest)) {
      expressions.push(rest.replace(/^(['"])(.*)\1$/, '$2'));
      return;
    }
    const block: string[] = [];
    for (const next of lines.slice(index + 1)) {
      if (next.trim() !== '' && next.search(/\S/) <= indent.length) break;
      block.push(next);
    }
    expressions.push(block.join('\n'));
  });
  return expressions;
}

interface DashboardPanel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: DashboardPanel[];
}

/** Every query of the Grafana dashboard, with its panel's title. */
export function dashboardExpressions(dashboard: { panels: DashboardPanel[] }): { panel: string; expr: string }[] {
  const found: { panel: string; expr: string }[] = [];
  const visit = (panel: DashboardPanel): void => {
    for (const target of panel.targets ?? [])
      if (target.expr) found.push({ panel: panel.title ?? '', expr: target.expr });
    for (const inner of panel.panels ?? []) visit(inner);
  };
  dashboard.panels.forEach(visit);
  return found;
}

/** Every metric name the alert rules and the dashboard read, with where each is read. */
export async function metricNamesUsed(): Promise<Map<string, string[]>> {
  const used = new Map<string, string[]>();
  const note = (name: string, where: string): void => void used.set(name, [...(used.get(name) ?? []), where]);
  for (const expr of ruleExpressions(await readFile(alertRulesPath, 'utf8'))) {
    for (const name of metricNamesIn(expr)) note(name, 'alert rules');
  }
  const dashboard = JSON.parse(await readFile(dashboardPath, 'utf8')) as { panels: DashboardPanel[] };
  for (const { panel, expr } of dashboardExpressions(dashboard)) {
    for (const name of metricNamesIn(expr)) note(name, `dashboard: ${panel}`);
  }
  return used;
}
