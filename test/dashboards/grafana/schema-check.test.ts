import test from 'ava';
import grafana from 'grafana-dash-gen';
import { grafanaDashboards } from '../../../dashboards/grafana/artefacts.ts';
import { checkDashboardSchema } from '../../../dashboards/grafana/schema-check.ts';

test("every generated dashboard satisfies @grafana/schema's Dashboard type", (t) => {
  const dashboards = grafanaDashboards();
  t.is(dashboards.length, 5);
  t.deepEqual(checkDashboardSchema(dashboards.map((d) => ({ name: d.file, json: d.dashboard }))), []);
});

test("rejects flot-era leftovers, wrong types and grafana-dash-gen's raw output", (t) => {
  const good = grafanaDashboards()[0]!.dashboard;
  const leftover = structuredClone(good) as unknown as { panels: Array<Record<string, unknown>> };
  leftover.panels[1]!.y_formats = ['short', 'short'];
  const wrongType = { ...structuredClone(good), schemaVersion: '42' };
  const raw = new grafana.Dashboard({ title: 'raw' }).generate();
  const problems = checkDashboardSchema([
    { name: 'leftover', json: leftover },
    { name: 'wrong-type', json: wrongType },
    { name: 'raw', json: raw },
  ]);
  t.deepEqual([...new Set(problems.map((p) => p.dashboard))].sort(), ['leftover', 'raw', 'wrong-type']);
});
