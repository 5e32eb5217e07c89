// Turns grafana-dash-gen's Graphite-era output (rows, graph/singlestat/table-old, string
// datasources, a global panel-id counter) into a current Grafana dashboard model: a flat panel
// grid with gridPos, timeseries/stat/table panels, Prometheus targets with expr, a datasource
// variable, a fixed uid and schemaVersion. Only fields it knows are carried over.
import type grafana from 'grafana-dash-gen';
import type { Dashboard, DataSourceRef, Panel, RowPanel, VariableModel } from '@grafana/schema';
import { SwarmscopeError } from '../../common/errors.ts';

/** What Grafana 12 writes; dashboards saved at this version need no migration on load. */
export const SCHEMA_VERSION = 42;
/** The Prometheus data source the provisioning file installs; the datasource variable's default. */
export const DEFAULT_DATASOURCE = { uid: 'swarmscope-prometheus', name: 'Prometheus' } as const;
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export type PromTarget = { expr: string; legendFormat?: string; instant?: boolean; format?: 'time_series' | 'table' };

type DashGenState = ReturnType<grafana.Dashboard['generate']>;
type OldPanel = Record<string, unknown> & { type?: string; span?: number; targets?: unknown[] };
type OldRow = { title?: string; showTitle?: boolean; height?: string | number; panels: OldPanel[] };
type OldVariable = Record<string, unknown> & { name: string; type: string; query?: string };

const PANEL_TYPES: Record<string, string> = { graph: 'timeseries', singlestat: 'stat', table: 'table' };
const GRID_WIDTH = 24;
const GRID_ROW_PX = 30;

export type ModernizeOptions = {
  uid: string;
  description?: string;
  refresh?: string;
  time?: { from: string; to: string };
};

export function modernize(input: DashGenState, opts: ModernizeOptions): Dashboard {
  if (!/^[a-zA-Z0-9_-]{8,40}$/.test(opts.uid))
    throw new SwarmscopeError('DASH_ERR_UID', `uid ${opts.uid}: 8-40 of [a-zA-Z0-9_-]`);
  const panels = layout((input.rows ?? []) as unknown as OldRow[]);
  return {
    uid: opts.uid,
    id: null,
    title: input.title,
    ...(opts.description ? { description: opts.description } : {}),
    tags: [...(input.tags as string[])],
    timezone: input.timezone,
    editable: true,
    graphTooltip: 1, // shared crosshair: one time cursor across every panel
    refresh: opts.refresh ?? '30s',
    schemaVersion: SCHEMA_VERSION,
    time: opts.time ?? input.time ?? { from: 'now-1h', to: 'now' },
    fiscalYearStartMonth: 0,
    links: [],
    annotations: { list: [builtInAnnotations()] },
    templating: { list: [datasourceVariable(), ...(input.templating.list as unknown as OldVariable[]).map(variable)] },
    panels,
  };
}

/** Rows become row panels; their panels flow left to right, span*2 wide, wrapping at 24 columns. */
function layout(rows: readonly OldRow[]): Array<Panel | RowPanel> {
  const out: Array<Panel | RowPanel> = [];
  let id = 0;
  let y = 0;
  for (const row of rows) {
    if (row.showTitle !== false && row.title) {
      out.push({
        type: 'row',
        id: ++id,
        title: row.title,
        collapsed: false,
        panels: [],
        gridPos: { x: 0, y, w: GRID_WIDTH, h: 1 },
      });
      y += 1;
    }
    const h = heightUnits(row.height);
    let x = 0;
    for (const old of row.panels) {
      const w = Math.min(GRID_WIDTH, Math.max(1, Math.round((old.span ?? 12) * 2)));
      if (x + w > GRID_WIDTH) {
        x = 0;
        y += h;
      }
      out.push(panel(old, ++id, { x, y, w, h }));
      x += w;
    }
    if (row.panels.length) y += h;
  }
  return out;
}

function heightUnits(height: string | number | undefined): number {
  const px = typeof height === 'number' ? height : Number.parseInt(height ?? '250', 10);
  return Math.max(2, Math.round((Number.isFinite(px) ? px : 250) / GRID_ROW_PX));
}

function panel(old: OldPanel, id: number, gridPos: { x: number; y: number; w: number; h: number }): Panel {
  const type = PANEL_TYPES[old.type ?? ''];
  if (!type)
    throw new SwarmscopeError('DASH_ERR_PANEL', `panel "${String(old.title)}": no modern type for ${String(old.type)}`);
  const targets = (old.targets ?? []).map((t, i) => target(t, i, type, String(old.title)));
  if (targets.length === 0) throw new SwarmscopeError('DASH_ERR_PANEL', `panel "${String(old.title)}" has no query`);
  const out: Panel = {
    id,
    type,
    title: String(old.title),
    datasource: DATASOURCE,
    gridPos,
    targets,
    fieldConfig: (old.fieldConfig as Panel['fieldConfig']) ?? { defaults: {}, overrides: [] },
    options: (old.options as Record<string, unknown>) ?? {},
  };
  if (typeof old.description === 'string') out.description = old.description;
  if (Array.isArray(old.transformations)) out.transformations = old.transformations as Panel['transformations'];
  return out;
}

function target(t: unknown, index: number, panelType: string, title: string): Record<string, unknown> {
  const p = t as Partial<PromTarget> & { target?: unknown };
  if (typeof p.expr !== 'string' || p.expr.trim() === '') {
    throw new SwarmscopeError(
      'DASH_ERR_TARGET',
      `panel "${title}" target ${index}: a Prometheus expr is required (Graphite targets are not supported)`,
    );
  }
  const instant = p.instant ?? panelType === 'table';
  return {
    refId: String.fromCharCode(65 + index),
    datasource: DATASOURCE,
    editorMode: 'code',
    expr: p.expr,
    legendFormat: p.legendFormat ?? '__auto',
    range: !instant,
    instant,
    format: p.format ?? (panelType === 'table' ? 'table' : 'time_series'),
  };
}

function datasourceVariable(): VariableModel {
  return {
    name: 'datasource',
    label: 'Data source',
    type: 'datasource',
    query: 'prometheus',
    current: { text: DEFAULT_DATASOURCE.name, value: DEFAULT_DATASOURCE.uid },
    hide: 0,
    includeAll: false,
    multi: false,
    options: [],
    refresh: 1,
    regex: '',
    skipUrlSync: false,
  };
}

/** grafana-dash-gen Query/Custom templates → Prometheus query variables (or custom lists). */
function variable(old: OldVariable): VariableModel {
  const common = {
    name: old.name,
    label: typeof old.label === 'string' && old.label ? old.label : old.name,
    hide: 0,
    includeAll: old.includeAll === true,
    multi: old.multi === true,
    skipUrlSync: false,
    ...(old.includeAll === true ? { allValue: typeof old.allValue === 'string' ? old.allValue : '.*' } : {}),
  } as const;
  if (old.type === 'query') {
    return {
      ...common,
      type: 'query',
      datasource: DATASOURCE,
      query: String(old.query),
      refresh: 2,
      regex: typeof old.regex === 'string' ? old.regex : '',
      sort: 1,
      options: [],
    };
  }
  if (old.type === 'custom') {
    const values = ((old.options as Array<{ value: string }> | undefined) ?? []).map((o) => o.value);
    return {
      ...common,
      type: 'custom',
      query: values.join(','),
      options: values.map((v, i) => ({ text: v, value: v, selected: i === 0 })),
    };
  }
  throw new SwarmscopeError('DASH_ERR_VARIABLE', `variable ${old.name}: unsupported type ${old.type}`);
}

function builtInAnnotations() {
  return {
    builtIn: 1,
    datasource: { type: 'grafana', uid: '-- Grafana --' },
    enable: true,
    hide: true,
    iconColor: 'rgba(0, 211, 255, 1)',
    name: 'Annotations & Alerts',
    type: 'dashboard',
  };
}
