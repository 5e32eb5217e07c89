// The vocabulary the dashboard sources are written in: grafana-dash-gen's Dashboard, Row, Graph,
// SingleStat, Table and Query objects, carrying Prometheus targets and modern field config for
// modernize() to turn into the current model.
import grafana from 'grafana-dash-gen';
import type { Dashboard } from '@grafana/schema';
import { DATASOURCE, modernize, type PromTarget } from './modernize.ts';

export type Target = PromTarget;
type Threshold = { value: number | null; color: string };
type Common = {
  title: string;
  description?: string;
  span?: number;
  unit?: string;
  min?: number;
  max?: number;
  decimals?: number;
};

/** PromQL `legendFormat` shorthand: t('sum(x)', '{{service}}'). */
export function t(expr: string, legendFormat?: string, extra: Omit<Target, 'expr' | 'legendFormat'> = {}): Target {
  return { expr, ...(legendFormat ? { legendFormat } : {}), ...extra };
}

function defaults(o: Common, extra: Record<string, unknown> = {}) {
  return {
    ...(o.unit ? { unit: o.unit } : {}),
    ...(o.min !== undefined ? { min: o.min } : {}),
    ...(o.max !== undefined ? { max: o.max } : {}),
    ...(o.decimals !== undefined ? { decimals: o.decimals } : {}),
    ...extra,
  };
}

function withTargets<P extends { state: Record<string, unknown> }>(panel: P, targets: readonly Target[]): P {
  // grafana-dash-gen's addTarget() only knows Graphite strings: Prometheus targets go in as data.
  panel.state.targets = targets.map((x) => ({ ...x }));
  return panel;
}

export function timeseries(o: Common & { targets: readonly Target[]; stack?: boolean; bars?: boolean }) {
  const custom = {
    drawStyle: o.bars ? 'bars' : 'line',
    lineWidth: 1,
    fillOpacity: o.stack ? 35 : 10,
    showPoints: 'never',
    spanNulls: false,
    stacking: { mode: o.stack ? 'normal' : 'none', group: 'A' },
  };
  return withTargets(
    new grafana.Panels.Graph({
      title: o.title,
      span: o.span ?? 6,
      ...(o.description ? { description: o.description } : {}),
      fieldConfig: { defaults: defaults(o, { custom }), overrides: [] },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
    }),
    o.targets,
  );
}

export function stat(
  o: Common & { targets: readonly Target[]; thresholds?: Threshold[]; graph?: boolean; mappings?: unknown[] },
) {
  const thresholds = { mode: 'absolute', steps: o.thresholds ?? [{ value: null, color: 'green' }] };
  return withTargets(
    new grafana.Panels.SingleStat({
      title: o.title,
      span: o.span ?? 3,
      ...(o.description ? { description: o.description } : {}),
      fieldConfig: {
        defaults: defaults(o, {
          thresholds,
          color: { mode: 'thresholds' },
          ...(o.mappings ? { mappings: o.mappings } : {}),
        }),
        overrides: [],
      },
      options: {
        reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
        colorMode: 'value',
        graphMode: o.graph === false ? 'none' : 'area',
        justifyMode: 'auto',
        orientation: 'auto',
        textMode: 'auto',
        wideLayout: true,
        showPercentChange: false,
      },
    }),
    o.targets,
  );
}

/**
 * An instant-query table: one row per series, the listed labels as columns (in order, renamed),
 * each target's value as a column named for its legend.
 */
export function table(o: Common & { targets: readonly Target[]; columns: Record<string, string>; sortBy?: string }) {
  const labels = Object.keys(o.columns);
  const valueColumns = Object.fromEntries(
    o.targets.map((x, i) => [`Value #${String.fromCharCode(65 + i)}`, x.legendFormat ?? 'Value']),
  );
  const renameByName = { ...o.columns, ...valueColumns };
  const indexByName = Object.fromEntries([...labels, ...Object.keys(valueColumns)].map((k, i) => [k, i]));
  return withTargets(
    new grafana.Panels.Table({
      title: o.title,
      span: o.span ?? 12,
      ...(o.description ? { description: o.description } : {}),
      fieldConfig: {
        defaults: defaults(o, { custom: { align: 'auto', cellOptions: { type: 'auto' }, inspect: false } }),
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: 'sm',
        footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
        ...(o.sortBy ? { sortBy: [{ displayName: o.sortBy, desc: true }] } : {}),
      },
      transformations: [
        { id: 'merge', options: {} },
        {
          id: 'organize',
          options: {
            excludeByName: { Time: true },
            includeByName: Object.fromEntries(Object.keys(renameByName).map((k) => [k, true])),
            indexByName,
            renameByName,
          },
        },
      ],
    }),
    o.targets.map((x) => ({ ...x, instant: true, format: 'table' as const })),
  );
}

export type RowSpec = { title: string; height?: number; panels: Array<{ state: Record<string, unknown> }> };

export type VariableSpec = {
  name: string;
  label: string;
  query: string;
  includeAll?: boolean;
  multi?: boolean;
  regex?: string;
};

export type DashboardSpec = {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: VariableSpec[];
  rows: RowSpec[];
};

/** Builds the dashboard with grafana-dash-gen, then modernizes what it generated. */
export function dashboard(spec: DashboardSpec): Dashboard {
  const d = new grafana.Dashboard({
    title: spec.title,
    tags: ['swarmscope', ...spec.tags],
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
  });
  for (const v of spec.variables) {
    // grafana-dash-gen types datasource as a string; Grafana takes the {type, uid} reference.
    const datasource = DATASOURCE as unknown as string;
    d.addTemplate(
      new grafana.Templates.Query(v.query, {
        name: v.name,
        label: v.label,
        datasource,
        includeAll: v.includeAll ?? false,
        multi: v.multi ?? false,
        ...(v.regex ? { regex: v.regex } : {}),
      }),
    );
  }
  for (const r of spec.rows) {
    const row = new grafana.Row({ title: r.title, height: `${r.height ?? 240}px` });
    for (const p of r.panels) row.addPanel(p as never);
    d.addRow(row);
  }
  return modernize(d.generate(), { uid: spec.uid, description: spec.description });
}

/** Every selector is scoped to the aggregator job the $job variable picks. */
export function sel(metric: string, ...matchers: string[]): string {
  return `${metric}{${['job=~"$job"', ...matchers].join(',')}}`;
}

/** The job variable: which aggregator(s) to read; every dashboard has it first. */
export const JOB_VARIABLE: VariableSpec = {
  name: 'job',
  label: 'Job',
  query: 'label_values(swarmscope_ingest_inflight_requests, job)',
};
