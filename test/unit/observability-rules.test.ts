// The alert rules and the dashboard as files: promtool accepts the rules and its unit tests prove each alert
// fires on the series it is about; the dashboard reads its Prometheus from a variable. That the metrics they
// name are the ones the engine exports is test/servers/observability-metrics.test.ts.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  alertRulesPath,
  alertRulesTestPaths,
  dashboardExpressions,
  dashboardPath,
  metricNamesIn,
  metricNamesUsed,
} from '../support/metric-names.js';

const run = promisify(execFile);

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args);
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`promtool ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`);
  }
}

const alertNames = (yaml: string, key: string): string[] =>
  [...yaml.matchAll(new RegExp(`^\\s*-?\\s*${key}:\\s*(\\w+)\\s*$`, 'gm'))].map((match) => match[1]!);

describe('the Prometheus alert rules', () => {
  it('pass promtool check rules', async () => {
    expect(await promtool('check', 'rules', alertRulesPath)).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('fire on the series they are about (promtool test rules), each alert tested', async () => {
    const output = await promtool('test', 'rules', ...alertRulesTestPaths);
    expect(output.match(/SUCCESS/g)).toHaveLength(alertRulesTestPaths.length);
    const rules = new Set(alertNames(await readFile(alertRulesPath, 'utf8'), 'alert'));
    const tests = await Promise.all(alertRulesTestPaths.map((file) => readFile(file, 'utf8')));
    const tested = new Set(tests.flatMap((yaml) => alertNames(yaml, 'alertname')));
    expect([...rules].filter((alert) => !tested.has(alert))).toEqual([]);
    expect(rules.size).toBeGreaterThanOrEqual(4);
  });

  it('point each alert to its runbook in the README', async () => {
    const rules = await readFile(alertRulesPath, 'utf8');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    for (const alert of alertNames(rules, 'alert')) {
      expect(rules).toContain(`runbook_url: README.md#alert-${alert.toLowerCase()}`);
      expect(readme).toContain(`<a id="alert-${alert.toLowerCase()}"></a>`);
    }
  });
});

describe('the Grafana dashboard', () => {
  it('queries the Prometheus its datasource variable names, in every panel', async () => {
    const dashboard = JSON.parse(await readFile(dashboardPath, 'utf8')) as {
      schemaVersion: number;
      templating: { list: { name: string; type: string; query: string }[] };
      panels: { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const queried = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(queried.length).toBeGreaterThan(10);
    for (const panel of queried) {
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
    expect(dashboardExpressions(dashboard).length).toBeGreaterThanOrEqual(queried.length);
  });
});

describe('the metric names read from PromQL', () => {
  it('are the selectors, not functions, aggregations, labels, strings or durations', () => {
    expect(
      metricNamesIn(
        'sum by (le, stage) (rate(a_bucket{stage=~"push|x(y)"}[$__rate_interval] offset 30m)) / on (network) group_left' +
          ' b_total > 15 * 86400 or vector(0) or absent_over_time(c_seconds{network="VISA"}[15d]) and time() - d',
      ).sort(),
    ).toEqual(['a_bucket', 'b_total', 'c_seconds', 'd']);
  });

  it('are found in both files, from the API and from the workers', async () => {
    const used = [...(await metricNamesUsed()).keys()];
    expect(used).toContain('pushprov_network_callbacks_total');
    expect(used).toContain('pushprov_enrollment_stage_duration_ms_bucket');
    expect(used.some((name) => name.startsWith('temporal_'))).toBe(true);
  });
});
