// Kibana 8.x saved objects over the aggregator's indices (<prefix>-logs-*, -events-*, -metrics-*,
// -swarm-*, -agent-*): a data view per index family, saved searches (Lucene queries, so the same text runs as an Elasticsearch
// query_string), and one dashboard of Lens panels. Written for the lowest supported Kibana 8
// migration versions so the file imports into any newer 8.x and into 9.x.
export type SavedObject = {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: Array<{ type: string; id: string; name: string }>;
  coreMigrationVersion: string;
  typeMigrationVersion: string;
  managed: boolean;
};

export type SearchSpec = {
  id: string;
  title: string;
  description: string;
  dataset: Dataset;
  query: string;
  columns: string[];
};
export type Dataset = 'logs' | 'events' | 'metrics' | 'swarm' | 'agent';

const CORE = '8.8.0';

/** Kibana object ids: stable, and distinct per prefix so several deployments can share a Kibana. */
export const ids = (prefix: string) => ({
  dataView: (d: Dataset) => `${prefix}-${d}`,
  search: (name: string) => `${prefix}-search-${name}`,
  dashboard: `${prefix}-overview`,
});

export function searches(prefix: string): SearchSpec[] {
  const id = ids(prefix).search;
  return [
    {
      id: id('errors-by-service'),
      title: 'swarmscope: errors by service',
      description:
        'Log lines that read like errors (or went to stderr) from Swarm services; break down by service.name.',
      dataset: 'logs',
      query:
        '_exists_:service.name AND (message:(error OR err OR fatal OR panic OR exception OR failed) OR stream:stderr)',
      columns: ['service.name', 'container.name', 'host.name', 'stream', 'message'],
    },
    {
      id: id('service-logs'),
      title: "swarmscope: a service's logs",
      description: 'Every log line of Swarm services, task by task; filter on service.name to read one service.',
      dataset: 'logs',
      query: '_exists_:service.name',
      columns: ['service.name', 'orchestrator.resource.name', 'host.name', 'message'],
    },
    {
      id: id('container-lifecycle'),
      title: 'swarmscope: container lifecycle',
      description:
        'Containers created, started, dying (with exit code), OOM-killed, killed, stopped, destroyed, and health changes.',
      dataset: 'events',
      query:
        'docker.event.type:container AND docker.event.action:(create OR start OR die OR oom OR kill OR stop OR destroy OR restart OR health_status*)',
      columns: ['docker.event.action', 'container.name', 'docker.event.exit_code', 'service.name', 'host.name'],
    },
    {
      id: id('task-failures'),
      title: 'swarmscope: Swarm task failures',
      description: 'Swarm task containers that died with a non-zero exit code or were OOM-killed.',
      dataset: 'events',
      query:
        '_exists_:service.name AND docker.event.type:container AND (docker.event.action:oom OR (docker.event.action:die AND NOT docker.event.exit_code:0))',
      columns: [
        'service.name',
        'orchestrator.resource.name',
        'docker.event.action',
        'docker.event.exit_code',
        'host.name',
      ],
    },
  ];
}

function dataView(prefix: string, d: Dataset, name: string): SavedObject {
  return {
    type: 'index-pattern',
    id: ids(prefix).dataView(d),
    attributes: {
      title: `${prefix}-${d}-*`,
      name,
      timeFieldName: '@timestamp',
      allowNoIndex: true,
      fieldFormatMap: '{}',
      runtimeFieldMap: '{}',
      sourceFilters: '[]',
      fieldAttrs: '{}',
    },
    references: [],
    coreMigrationVersion: CORE,
    typeMigrationVersion: '8.0.0',
    managed: false,
  };
}

function search(prefix: string, s: SearchSpec): SavedObject {
  const searchSource = {
    query: { query: s.query, language: 'lucene' },
    filter: [],
    indexRefName: 'kibanaSavedObjectMeta.searchSourceJSON.index',
  };
  return {
    type: 'search',
    id: s.id,
    attributes: {
      title: s.title,
      description: s.description,
      columns: s.columns,
      sort: [['@timestamp', 'desc']],
      grid: {},
      hideChart: false,
      isTextBasedQuery: false,
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify(searchSource) },
    },
    references: [
      {
        type: 'index-pattern',
        id: ids(prefix).dataView(s.dataset),
        name: 'kibanaSavedObjectMeta.searchSourceJSON.index',
      },
    ],
    coreMigrationVersion: CORE,
    typeMigrationVersion: '8.0.0',
    managed: false,
  };
}

/** A Lens column: a date histogram, a terms split, or a metric over a field. */
type Column = {
  label: string;
  dataType: string;
  operationType: string;
  sourceField: string;
  isBucketed: boolean;
  params?: Record<string, unknown>;
};
export type LensSpec = {
  panelId: string;
  title: string;
  dataset: Dataset;
  query: string;
  chart: 'bar_stacked' | 'line';
  split?: string;
  metric: { op: 'count' | 'max' | 'average'; field?: string; label: string };
};

export function lensPanels(): LensSpec[] {
  return [
    {
      panelId: 'log-volume',
      title: 'Log volume by service',
      dataset: 'logs',
      query: '',
      chart: 'bar_stacked',
      split: 'service.name',
      metric: { op: 'count', label: 'Log lines' },
    },
    {
      panelId: 'error-lines',
      title: 'Error lines by service',
      dataset: 'logs',
      query: 'message:(error OR err OR fatal OR panic OR exception OR failed) OR stream:stderr',
      chart: 'bar_stacked',
      split: 'service.name',
      metric: { op: 'count', label: 'Error lines' },
    },
    {
      panelId: 'events-timeline',
      title: 'Container events timeline',
      dataset: 'events',
      query: '',
      chart: 'bar_stacked',
      split: 'docker.event.action',
      metric: { op: 'count', label: 'Events' },
    },
    {
      panelId: 'container-memory',
      title: 'Container memory (working set)',
      dataset: 'metrics',
      query: '_exists_:container.name',
      chart: 'line',
      split: 'container.name',
      metric: { op: 'max', field: 'docker.memory.workingset.total', label: 'Working set' },
    },
    {
      // Metricbeat's docker.cpu.total.pct: 1 = one full core, averaged over the bucket.
      panelId: 'container-cpu',
      title: 'Container CPU (share of one core)',
      dataset: 'metrics',
      query: '_exists_:docker.cpu.total.pct',
      chart: 'line',
      split: 'container.name',
      metric: { op: 'average', field: 'docker.cpu.total.pct', label: 'CPU (1 = one core)' },
    },
    {
      panelId: 'container-memory-pct',
      title: 'Container memory usage (share of the limit)',
      dataset: 'metrics',
      query: '_exists_:docker.memory.usage.pct',
      chart: 'line',
      split: 'container.name',
      metric: { op: 'average', field: 'docker.memory.usage.pct', label: 'Memory (1 = the limit)' },
    },
    {
      // docker.network.in.bytes is already a per-second rate (Metricbeat's meaning), not a counter.
      panelId: 'container-network-in',
      title: 'Container network received (bytes per second)',
      dataset: 'metrics',
      query: '_exists_:docker.network.in.bytes',
      chart: 'line',
      split: 'container.name',
      metric: { op: 'average', field: 'docker.network.in.bytes', label: 'Received bytes/s' },
    },
    {
      panelId: 'swarm-changes',
      title: 'Swarm changes (task failures, node and update changes)',
      dataset: 'swarm',
      query: 'swarmscope.swarm.type:change',
      chart: 'bar_stacked',
      split: 'event.action',
      metric: { op: 'count', label: 'Changes' },
    },
    {
      panelId: 'collector-lag',
      title: "Collectors' oldest unshipped record (seconds)",
      dataset: 'agent',
      query: '_exists_:swarmscope.agent.gauges.oldest_unshipped_age_seconds',
      chart: 'line',
      split: 'host.name',
      metric: { op: 'max', field: 'swarmscope.agent.gauges.oldest_unshipped_age_seconds', label: 'Seconds' },
    },
  ];
}

function lensAttributes(prefix: string, l: LensSpec) {
  const layerId = `${l.panelId}-layer`;
  const columns: Record<string, Column> = {
    time: {
      label: '@timestamp',
      dataType: 'date',
      operationType: 'date_histogram',
      sourceField: '@timestamp',
      isBucketed: true,
      params: { interval: 'auto' },
    },
    ...(l.split
      ? {
          split: {
            label: l.split,
            dataType: 'string',
            operationType: 'terms',
            sourceField: l.split,
            isBucketed: true,
            params: {
              size: 10,
              orderBy: { type: 'column', columnId: 'value' },
              orderDirection: 'desc',
              otherBucket: true,
              missingBucket: false,
            },
          },
        }
      : {}),
    value: {
      label: l.metric.label,
      dataType: 'number',
      operationType: l.metric.op,
      sourceField: l.metric.field ?? '___records___',
      isBucketed: false,
    },
  };
  return {
    title: l.title,
    visualizationType: 'lnsXY',
    state: {
      datasourceStates: {
        formBased: { layers: { [layerId]: { columns, columnOrder: Object.keys(columns), incompleteColumns: {} } } },
      },
      visualization: {
        preferredSeriesType: l.chart,
        legend: { isVisible: true, position: 'right' },
        layers: [
          {
            layerId,
            layerType: 'data',
            seriesType: l.chart,
            xAccessor: 'time',
            accessors: ['value'],
            ...(l.split ? { splitAccessor: 'split' } : {}),
          },
        ],
      },
      query: { query: l.query, language: 'lucene' },
      filters: [],
    },
    references: [
      { type: 'index-pattern', id: ids(prefix).dataView(l.dataset), name: `indexpattern-datasource-layer-${layerId}` },
    ],
  };
}

function overviewDashboard(prefix: string): SavedObject {
  const panels = lensPanels().map((l, i) => ({
    type: 'lens',
    panelIndex: l.panelId,
    gridData: { i: l.panelId, x: (i % 2) * 24, y: Math.floor(i / 2) * 15, w: 24, h: 15 },
    embeddableConfig: { attributes: lensAttributes(prefix, l), enhancements: {} },
    title: l.title,
  }));
  const searchPanel = {
    type: 'search',
    panelIndex: 'error-log',
    gridData: { i: 'error-log', x: 0, y: Math.ceil(panels.length / 2) * 15, w: 48, h: 15 },
    embeddableConfig: { enhancements: {} },
    panelRefName: 'panel_error-log',
    title: 'Error lines',
  };
  return {
    type: 'dashboard',
    id: ids(prefix).dashboard,
    attributes: {
      title: 'swarmscope: Swarm logs and events',
      description:
        "Log volume by service, error lines, the container events timeline, container CPU, memory and network, Swarm changes and collector lag, from swarmscope's indices.",
      panelsJSON: JSON.stringify([...panels, searchPanel]),
      optionsJSON: JSON.stringify({
        useMargins: true,
        syncColors: false,
        syncCursor: true,
        syncTooltips: false,
        hidePanelTitles: false,
      }),
      timeRestore: true,
      timeFrom: 'now-1h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 30_000 },
      kibanaSavedObjectMeta: {
        searchSourceJSON: JSON.stringify({ query: { query: '', language: 'lucene' }, filter: [] }),
      },
    },
    references: [
      ...lensPanels().map((l) => ({
        type: 'index-pattern',
        id: ids(prefix).dataView(l.dataset),
        name: `${l.panelId}:indexpattern-datasource-layer-${l.panelId}-layer`,
      })),
      { type: 'search', id: ids(prefix).search('errors-by-service'), name: 'panel_error-log' },
    ],
    coreMigrationVersion: CORE,
    typeMigrationVersion: '8.7.0',
    managed: false,
  };
}

export function savedObjects(prefix: string): SavedObject[] {
  return [
    dataView(prefix, 'logs', 'swarmscope logs'),
    dataView(prefix, 'events', 'swarmscope events'),
    dataView(prefix, 'metrics', 'swarmscope metrics'),
    dataView(prefix, 'swarm', 'swarmscope swarm'),
    dataView(prefix, 'agent', 'swarmscope collectors'),
    ...searches(prefix).map((s) => search(prefix, s)),
    overviewDashboard(prefix),
  ];
}

/** Kibana's export format: one object per line (import with POST /api/saved_objects/_import). */
export function toNdjson(objects: readonly SavedObject[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}
