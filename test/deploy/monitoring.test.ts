import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { registry } from '../../src/metrics/metrics';
import { aptInstall } from '../helpers/apt';

/**
 * Issue 31: the alerting rules are valid Prometheus rules, each fires on a synthetic series that should page
 * and stays quiet otherwise (promtool, Debian's prometheus package), the Kubernetes PrometheusRule holds the
 * same rules, and the Grafana dashboard is a dashboard that asks only for metrics that exist.
 */
const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'deploy', 'prometheus');

function promtool(): string {
  if (!existsSync('/usr/bin/promtool')) aptInstall(['prometheus'], 'alerting rules');
  return '/usr/bin/promtool';
}

it('the rules pass promtool check rules and their unit tests', () => {
  const tool = promtool();
  const check = spawnSync(tool, ['check', 'rules', path.join(dir, 'routeswit-rules.yml')], { encoding: 'utf8' });
  expect(check.stdout).toMatch(/SUCCESS: 7 rules found/);
  expect(check.status).toBe(0);
  const test = spawnSync(tool, ['test', 'rules', 'routeswit-rules.test.yml'], { cwd: dir, encoding: 'utf8' });
  expect(`${test.stdout}${test.stderr}`).toMatch(/SUCCESS/);
  expect(test.status).toBe(0);
});

it('every rule has a unit test that makes it fire, and a runbook in docs/metrics.md', () => {
  const rules = parse(readFileSync(path.join(dir, 'routeswit-rules.yml'), 'utf8')).groups.flatMap((g: { rules: unknown[] }) => g.rules) as Array<{ alert: string; annotations: { runbook_url: string } }>;
  const tests = parse(readFileSync(path.join(dir, 'routeswit-rules.test.yml'), 'utf8')).tests as Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
  const fired = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length).map((a) => a.alertname)));
  const docs = readFileSync(path.join(root, 'docs', 'metrics.md'), 'utf8');
  for (const r of rules) {
    expect(fired).toContain(r.alert);
    const anchor = r.annotations.runbook_url.split('#')[1]!;
    expect(docs).toContain(`<a id="${anchor}"></a>`);
  }
});

it('the PrometheusRule of the Kubernetes component holds exactly the same rules', () => {
  const file = parse(readFileSync(path.join(dir, 'routeswit-rules.yml'), 'utf8'));
  const cr = parse(readFileSync(path.join(root, 'deploy', 'kubernetes', 'components', 'prometheus-operator', 'prometheusrule.yaml'), 'utf8'));
  expect(cr.kind).toBe('PrometheusRule');
  expect(cr.spec).toEqual(file);
});

it('the Grafana dashboard is a dashboard of panels that query metrics this code or the Temporal SDK exports', async () => {
  const dash = JSON.parse(readFileSync(path.join(root, 'deploy', 'grafana', 'routeswit-dashboard.json'), 'utf8'));
  expect(dash).toMatchObject({ title: 'Routeswit', uid: 'routeswit', schemaVersion: expect.any(Number) });
  const ours = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
  const ids = new Set<number>();
  for (const p of dash.panels) {
    expect(p).toMatchObject({ type: 'timeseries', title: expect.any(String), gridPos: { w: expect.any(Number), h: expect.any(Number) } });
    expect(ids.has(p.id)).toBe(false);
    ids.add(p.id);
    for (const t of p.targets) {
      for (const name of (t.expr as string).match(/\b(routeswit|temporal)_[a-z_]+/g) ?? []) {
        if (name.startsWith('temporal_')) continue;
        expect(ours).toContain(name.replace(/_(bucket|count|sum)$/, ''));
      }
    }
  }
  // Every expression the dashboard sends is PromQL: promtool parses them as recording rules.
  const exprs = dash.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'dashboard-')), 'queries.yml');
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr: string, i: number) => ({ record: `dashboard:query_${i}`, expr })) }] }));
  const check = spawnSync(promtool(), ['check', 'rules', file], { encoding: 'utf8' });
  expect(`${check.stdout}${check.stderr}`).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
});
