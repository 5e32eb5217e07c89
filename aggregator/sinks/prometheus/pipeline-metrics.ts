// The stack's own health as swarmscope_* series: ingest outcomes and rate, Elasticsearch bulk
// latency and item outcomes, and each collector's self-report (queue depth, oldest unshipped age,
// retries, drops by reason) per node, as named series computed from ClusterState at scrape time.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClusterState, NodeState } from './cluster-state.ts';

export type PipelineMetrics = {
  batches: Counter<'outcome'>;
  records: Counter<'kind'>;
  agentReports: Counter<'outcome'>;
  bulkDuration: Histogram<'outcome'>;
  inflight: Gauge;
};

/** One row per collector series: the self-report field it reads (counters and gauges by name). */
type CollectorSeries = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  field: string;
  labels?: Record<string, string>;
};

const COLLECTOR_SERIES: CollectorSeries[] = [
  {
    name: 'swarmscope_collector_queue_bytes',
    type: 'gauge',
    field: 'queue_bytes',
    help: "Bytes in the collector's durable queue, not yet acknowledged.",
  },
  {
    name: 'swarmscope_collector_queue_batches',
    type: 'gauge',
    field: 'queue_batches',
    help: "Batches in the collector's durable queue, not yet acknowledged.",
  },
  {
    name: 'swarmscope_collector_queue_at_bound',
    type: 'gauge',
    field: 'queue_at_bound',
    help: "1 while the collector's queue is at SWARMSCOPE_QUEUE_MAX_BYTES (metric batches dropped, log reading paused).",
  },
  {
    name: 'swarmscope_collector_oldest_unshipped_age_seconds',
    type: 'gauge',
    field: 'oldest_unshipped_age_seconds',
    help: 'Age of the oldest batch the collector still holds.',
  },
  {
    name: 'swarmscope_collector_retries_total',
    type: 'counter',
    field: 'retries',
    help: 'Batch sends that were not acknowledged and will be retried.',
  },
  {
    name: 'swarmscope_collector_shipped_records_total',
    type: 'counter',
    field: 'shipped_records',
    help: 'Records the aggregator acknowledged to the collector.',
  },
  {
    name: 'swarmscope_collector_refused_log_batches_total',
    type: 'counter',
    field: 'refused_log_batches',
    help: 'Times the queue refused a log batch at its bound (log reading paused; nothing lost).',
  },
  ...(['queue_full', 'expired', 'rejected'] as const).map((reason): CollectorSeries => ({
    name: 'swarmscope_collector_dropped_records_total',
    type: 'counter',
    field: `dropped_records_${reason}`,
    labels: { reason },
    help: 'Records the collector gave up on, by reason: queue_full (metric batches at the disk bound), expired (SWARMSCOPE_QUEUE_MAX_AGE), rejected (set aside after a 4xx).',
  })),
];

export function registerPipelineMetrics(
  registry: Registry,
  state: ClusterState,
  bulkItems: () => Record<string, number>,
): PipelineMetrics {
  const batches = new Counter({
    name: 'swarmscope_ingest_batches_total',
    help: 'Batches received, by outcome (ok, bad_request, unauthorized, too_large, unsupported_encoding, unavailable, overloaded).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const records = new Counter({
    name: 'swarmscope_ingest_records_total',
    help: 'Records acknowledged, by kind (rate() of it is the ingest rate).',
    labelNames: ['kind'],
    registers: [registry],
  });
  const agentReports = new Counter({
    name: 'swarmscope_ingest_agent_reports_total',
    help: 'Collector self-report headers, by outcome (ok, invalid: ignored).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const bulkDuration = new Histogram({
    name: 'swarmscope_elasticsearch_bulk_duration_seconds',
    help: 'Elasticsearch _bulk request latency.',
    labelNames: ['outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const inflight = new Gauge({
    name: 'swarmscope_ingest_inflight_requests',
    help: 'Ingest requests being processed now.',
    registers: [registry],
  });
  new Counter({
    name: 'swarmscope_elasticsearch_bulk_items_total',
    help: 'Bulk items by outcome: created, duplicate (409 on a known id: already held), retried (429/5xx), set_aside (dead-letter).',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [outcome, n] of Object.entries(bulkItems())) this.inc({ outcome }, n);
    },
  });
  new Gauge({
    name: 'swarmscope_collector_last_seen_timestamp_seconds',
    help: 'When the aggregator last received a batch from this node.',
    labelNames: ['node', 'node_id'],
    registers: [registry],
    collect() {
      state.sweep();
      this.reset();
      for (const n of state.nodes.values()) this.set({ node: n.hostname, node_id: n.nodeId }, n.lastSeenMs / 1000);
    },
  });
  const byName = new Map<string, CollectorSeries[]>();
  for (const s of COLLECTOR_SERIES) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  for (const [name, rows] of byName) {
    const labelNames = ['node', 'node_id', ...Object.keys(rows[0]!.labels ?? {})];
    const fill = (set: (labels: Record<string, string>, v: number) => void) => {
      for (const n of state.nodes.values()) {
        for (const row of rows) {
          const v = reported(n, row.field);
          if (v !== undefined) set({ node: n.hostname, node_id: n.nodeId, ...row.labels }, v);
        }
      }
    };
    // Counters carry the collector's own cumulative totals; set through a gauge-like reset+inc.
    if (rows[0]!.type === 'counter') {
      new Counter({
        name,
        help: rows[0]!.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          fill((l, v) => this.inc(l, v));
        },
      });
    } else {
      new Gauge({
        name,
        help: rows[0]!.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          fill((l, v) => this.set(l, v));
        },
      });
    }
  }
  return { batches, records, agentReports, bulkDuration, inflight };
}

function reported(n: NodeState, field: string): number | undefined {
  return n.agent?.counters[field] ?? n.agent?.gauges[field];
}
