// The stack's own health as swarmscope_* series: ingest outcomes and rate, Elasticsearch bulk
// latency and item outcomes, and each collector's self-report (queue depth, oldest unshipped age,
// retries, drops by reason) per node, as a table rendered from the nodes a replica owns.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { NodeState } from './cluster-state.ts';
import type { Sample, Table, TableRow } from './metric-table.ts';

export type PipelineMetrics = {
  batches: Counter<'outcome'>;
  records: Counter<'kind'>;
  agentReports: Counter<'outcome'>;
  bulkDuration: Histogram<'outcome'>;
  inflight: Gauge;
};

type Row = TableRow<NodeState>;

/** A series read from the collector's self-report (its counters and gauges, by field name). */
const reportRow = (name: string, type: Row['type'], field: string, help: string): Row => ({
  name,
  type,
  help,
  value: (n) => reported(n, field),
});

/** Per node, from the collector's self-report riding on its requests; rendered by the node's owner. */
export const COLLECTOR_SERIES: Row[] = [
  {
    name: 'swarmscope_collector_last_seen_timestamp_seconds',
    type: 'gauge',
    help: 'When the aggregator last received a batch from this node.',
    value: (n) => n.lastSeenMs / 1000,
  },
  reportRow(
    'swarmscope_collector_queue_bytes',
    'gauge',
    'queue_bytes',
    "Bytes in the collector's durable queue, not yet acknowledged.",
  ),
  reportRow(
    'swarmscope_collector_queue_batches',
    'gauge',
    'queue_batches',
    "Batches in the collector's durable queue, not yet acknowledged.",
  ),
  reportRow(
    'swarmscope_collector_queue_at_bound',
    'gauge',
    'queue_at_bound',
    "1 while the collector's queue is at SWARMSCOPE_QUEUE_MAX_BYTES (metric batches dropped, log reading paused).",
  ),
  reportRow(
    'swarmscope_collector_oldest_unshipped_age_seconds',
    'gauge',
    'oldest_unshipped_age_seconds',
    'Age of the oldest batch the collector still holds.',
  ),
  reportRow(
    'swarmscope_collector_retries_total',
    'counter',
    'retries',
    'Batch sends that were not acknowledged and will be retried.',
  ),
  reportRow(
    'swarmscope_collector_shipped_records_total',
    'counter',
    'shipped_records',
    'Records the aggregator acknowledged to the collector.',
  ),
  reportRow(
    'swarmscope_collector_refused_log_batches_total',
    'counter',
    'refused_log_batches',
    'Times the queue refused a log batch at its bound (log reading paused; nothing lost).',
  ),
  reportRow(
    'swarmscope_collector_heap_throughput_mode',
    'gauge',
    'heap_throughput_mode',
    "1 while the collector's V8 heap runs its throughput policy (shipping many log bytes), 0 its memory policy (SWARMSCOPE_HEAP_POLICY).",
  ),
  reportRow(
    'swarmscope_collector_heap_policy_switches_total',
    'counter',
    'heap_policy_switches',
    "Times the collector's heap policy changed (SWARMSCOPE_HEAP_POLICY=auto).",
  ),
  {
    name: 'swarmscope_collector_dropped_records_total',
    type: 'counter',
    help: 'Records the collector gave up on, by reason: queue_full (metric batches at the disk bound), expired (SWARMSCOPE_QUEUE_MAX_AGE), rejected (set aside after a 4xx).',
    value: (n) =>
      (['queue_full', 'expired', 'rejected'] as const).flatMap((reason): Sample[] => {
        const v = reported(n, `dropped_records_${reason}`);
        return v === undefined ? [] : [{ labels: { reason }, value: v }];
      }),
  },
];

export const COLLECTOR_TABLE: Table<NodeState, NodeState> = { rows: COLLECTOR_SERIES, itemsOf: (n) => [n.self] };

/** What the Elasticsearch sink reports: item outcomes, and how its batches share requests. */
export type BulkReport = { items: Record<string, number>; batches: number; queued: number };

export function registerPipelineMetrics(registry: Registry, bulk: () => BulkReport): PipelineMetrics {
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
      for (const [outcome, n] of Object.entries(bulk().items)) this.inc({ outcome }, n);
    },
  });
  new Counter({
    name: 'swarmscope_elasticsearch_bulk_batches_total',
    help: 'Batches (and set-aside writes) carried by _bulk requests: over the request count, how many share one request.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bulk().batches);
    },
  });
  new Gauge({
    name: 'swarmscope_elasticsearch_bulk_queued_batches',
    help: 'Batches waiting for a _bulk request slot (SWARMSCOPE_ES_BULK_CONCURRENCY in flight); they leave together.',
    registers: [registry],
    collect() {
      this.set(bulk().queued);
    },
  });
  return { batches, records, agentReports, bulkDuration, inflight };
}

function reported(n: NodeState, field: string): number | undefined {
  return n.agent?.counters[field] ?? n.agent?.gauges[field];
}
