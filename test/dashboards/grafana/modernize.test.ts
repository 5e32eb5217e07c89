import test from 'ava';
import grafana from 'grafana-dash-gen';
import type { Panel, RowPanel } from '@grafana/schema';
import type { SwarmscopeError } from '../../../common/errors.ts';
import { DATASOURCE, modernize, SCHEMA_VERSION } from '../../../dashboards/grafana/modernize.ts';

function legacyDashboard(targets: unknown[] = [{ expr: 'up', legendFormat: '{{job}}' }]) {
  const d = new grafana.Dashboard({ title: 'T' });
  d.addTemplate(
    new grafana.Templates.Query('label_values(up, job)', { name: 'job', datasource: 'x', includeAll: false }),
  );
  const row = new grafana.Row({ title: 'First', height: '240px' });
  const graph = new grafana.Panels.Graph({ title: 'g', span: 8 });
  graph.state.targets = targets;
  const stat = new grafana.Panels.SingleStat({ title: 's', span: 6 });
  stat.state.targets = [{ expr: 'sum(up)' }];
  const table = new grafana.Panels.Table({ title: 'tb', span: 12 });
  table.state.targets = [{ expr: 'up' }];
  for (const p of [graph, stat, table]) row.addPanel(p as never);
  d.addRow(row);
  return d.generate();
}

test('flattens rows into a 24-column grid: a row panel, then panels left to right, wrapping when full', (t) => {
  const d = modernize(legacyDashboard(), { uid: 'test-dashboard' });
  const panels = d.panels as Array<Panel | RowPanel>;
  t.deepEqual(
    panels.map((p) => [p.type, p.gridPos]),
    [
      ['row', { x: 0, y: 0, w: 24, h: 1 }],
      ['timeseries', { x: 0, y: 1, w: 16, h: 8 }],
      ['stat', { x: 0, y: 9, w: 12, h: 8 }],
      ['table', { x: 0, y: 17, w: 24, h: 8 }],
    ],
  );
  t.deepEqual(
    panels.map((p) => p.id),
    [1, 2, 3, 4],
  );
  t.is('rows' in d, false);
});

test('sets uid, id null, the current schemaVersion, and a datasource variable ahead of the query variables', (t) => {
  const d = modernize(legacyDashboard(), { uid: 'test-dashboard' });
  t.is(d.uid, 'test-dashboard');
  t.is(d.id, null);
  t.is(d.schemaVersion, SCHEMA_VERSION);
  t.deepEqual(
    d.templating?.list?.map((v) => [v.name, v.type]),
    [
      ['datasource', 'datasource'],
      ['job', 'query'],
    ],
  );
  t.deepEqual(d.templating?.list?.[1]?.datasource, DATASOURCE);
});

test('gives every panel and target the Prometheus datasource and keeps only Prometheus target fields', (t) => {
  const d = modernize(legacyDashboard(), { uid: 'test-dashboard' });
  const graph = d.panels?.[1] as Panel;
  t.deepEqual(graph.datasource, DATASOURCE);
  t.deepEqual(graph.targets, [
    {
      refId: 'A',
      datasource: DATASOURCE,
      editorMode: 'code',
      expr: 'up',
      legendFormat: '{{job}}',
      range: true,
      instant: false,
      format: 'time_series',
    },
  ]);
  t.false('renderer' in graph, 'flot-era keys are not carried over');
  const table = d.panels?.[3] as Panel;
  t.like(table.targets?.[0], { instant: true, range: false, format: 'table' });
});

test('refuses Graphite targets, panels without queries and bad uids with codes', (t) => {
  t.is(
    t.throws<SwarmscopeError>(() => modernize(legacyDashboard([{ target: 'a.b.c' }]), { uid: 'test-dashboard' }))?.code,
    'DASH_ERR_TARGET',
  );
  t.is(
    t.throws<SwarmscopeError>(() => modernize(legacyDashboard([]), { uid: 'test-dashboard' }))?.code,
    'DASH_ERR_PANEL',
  );
  t.is(t.throws<SwarmscopeError>(() => modernize(legacyDashboard(), { uid: 'x' }))?.code, 'DASH_ERR_UID');
});

test("builds the same output whatever panel ids grafana-dash-gen's global counter handed out", (t) => {
  const a = modernize(legacyDashboard(), { uid: 'test-dashboard' });
  const b = modernize(legacyDashboard(), { uid: 'test-dashboard' });
  t.deepEqual(a, b);
});
