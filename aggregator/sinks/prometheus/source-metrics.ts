// Each collector source's counters and gauges, one way for every source: the self-report keys
// `source:<name>:<key>` become swarmscope_collector_source_records_total / _errors_total{source},
// swarmscope_collector_source_counter_total{source,counter} and swarmscope_collector_source_gauge{source,gauge}.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ClusterState } from './cluster-state.ts';

const PREFIX = 'source:';
/** Label values come from the collector: bounded to what a source name and key look like. */
const PART = /^[a-z][a-z0-9_-]{0,63}$/;

type Row = { node: string; nodeId: string; source: string; key: string; value: number };

function rows(state: ClusterState, kind: 'counters' | 'gauges'): Row[] {
  const out: Row[] = [];
  for (const n of state.nodes.values()) {
    for (const [k, value] of Object.entries(n.agent?.[kind] ?? {})) {
      if (!k.startsWith(PREFIX)) continue;
      const [source, key, extra] = k.slice(PREFIX.length).split(':');
      if (extra !== undefined || !source || !key || !PART.test(source) || !PART.test(key)) continue;
      out.push({ node: n.hostname, nodeId: n.nodeId, source, key, value });
    }
  }
  return out;
}

export function registerSourceMetrics(registry: Registry, state: ClusterState): void {
  const own = (key: string, name: string, help: string) =>
    new Counter({
      name,
      help,
      labelNames: ['node', 'node_id', 'source'],
      registers: [registry],
      collect() {
        this.reset();
        for (const r of rows(state, 'counters'))
          if (r.key === key) this.inc({ node: r.node, node_id: r.nodeId, source: r.source }, r.value);
      },
    });
  own('records', 'swarmscope_collector_source_records_total', 'Records each collector source handed to its pipeline.');
  own(
    'errors',
    'swarmscope_collector_source_errors_total',
    'Errors each collector source met (reads, streams, lists).',
  );
  new Counter({
    name: 'swarmscope_collector_source_counter_total',
    help: "A collector source's own counters (pauses, bad lines, reconnects…), by counter name.",
    labelNames: ['node', 'node_id', 'source', 'counter'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of rows(state, 'counters'))
        if (r.key !== 'records' && r.key !== 'errors')
          this.inc({ node: r.node, node_id: r.nodeId, source: r.source, counter: r.key }, r.value);
    },
  });
  new Gauge({
    name: 'swarmscope_collector_source_gauge',
    help: "A collector source's current levels (followed containers, open files…), by gauge name.",
    labelNames: ['node', 'node_id', 'source', 'gauge'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of rows(state, 'gauges'))
        this.set({ node: r.node, node_id: r.nodeId, source: r.source, gauge: r.key }, r.value);
    },
  });
}
