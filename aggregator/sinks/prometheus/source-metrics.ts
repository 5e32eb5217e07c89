// Each collector source's counters and gauges, one way for every source: the self-report keys
// `source:<name>:<key>` become swarmscope_collector_source_records_total / _errors_total{source},
// swarmscope_collector_source_counter_total{source,counter} and swarmscope_collector_source_gauge{source,gauge},
// as a table over each node's latest self-report (rendered by the replica that exposes the node).
import type { NodeState } from './cluster-state.ts';
import type { Sample, Table, TableRow } from './metric-table.ts';

const PREFIX = 'source:';
/** Label values come from the collector: bounded to what a source name and key look like. */
const PART = /^[a-z][a-z0-9_-]{0,63}$/;

type Entry = { source: string; key: string; value: number };

function entries(n: NodeState, kind: 'counters' | 'gauges'): Entry[] {
  const out: Entry[] = [];
  for (const [k, value] of Object.entries(n.agent?.[kind] ?? {})) {
    if (!k.startsWith(PREFIX)) continue;
    const [source, key, extra] = k.slice(PREFIX.length).split(':');
    if (extra !== undefined || !source || !key || !PART.test(source) || !PART.test(key)) continue;
    out.push({ source, key, value });
  }
  return out;
}

const samples = (list: Entry[], pick: (e: Entry) => Record<string, string> | undefined): Sample[] | undefined => {
  const out: Sample[] = [];
  for (const e of list) {
    const labels = pick(e);
    if (labels) out.push({ labels, value: e.value });
  }
  return out.length ? out : undefined;
};

const own = (key: string, name: string, help: string): TableRow<NodeState> => ({
  name,
  help,
  type: 'counter',
  value: (n) => samples(entries(n, 'counters'), (e) => (e.key === key ? { source: e.source } : undefined)),
});

export const SOURCE_SERIES: TableRow<NodeState>[] = [
  own('records', 'swarmscope_collector_source_records_total', 'Records each collector source handed to its pipeline.'),
  own(
    'errors',
    'swarmscope_collector_source_errors_total',
    'Errors each collector source met (reads, streams, lists).',
  ),
  {
    name: 'swarmscope_collector_source_counter_total',
    help: "A collector source's own counters (pauses, bad lines, reconnects…), by counter name.",
    type: 'counter',
    value: (n) =>
      samples(entries(n, 'counters'), (e) =>
        e.key !== 'records' && e.key !== 'errors' ? { source: e.source, counter: e.key } : undefined,
      ),
  },
  {
    name: 'swarmscope_collector_source_gauge',
    help: "A collector source's current levels (followed containers, open files…), by gauge name.",
    type: 'gauge',
    value: (n) => samples(entries(n, 'gauges'), (e) => ({ source: e.source, gauge: e.key })),
  },
];

export const SOURCE_TABLE: Table<NodeState, NodeState> = { rows: SOURCE_SERIES, itemsOf: (n) => [n.self] };
