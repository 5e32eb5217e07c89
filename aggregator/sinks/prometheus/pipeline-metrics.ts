// The stack's own health as swarmscope_* series: ingest outcomes, Elasticsearch bulk latency and
// item outcomes, and each collector's self-report (queue depth, lag, retries, drops) per node.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClusterState } from './cluster-state.ts';

export type PipelineMetrics = {
  batches: Counter<'outcome'>;
  records: Counter<'kind'>;
  bulkDuration: Histogram<'outcome'>;
  inflight: Gauge;
};

export function registerPipelineMetrics(registry: Registry, state: ClusterState, bulkItems: () => Record<string, number>): PipelineMetrics {
  const batches = new Counter({ name: 'swarmscope_ingest_batches_total', help: 'Batches received, by outcome (ok, bad_request, unauthorized, too_large, unavailable, overloaded).', labelNames: ['outcome'], registers: [registry] });
  const records = new Counter({ name: 'swarmscope_ingest_records_total', help: 'Records acknowledged, by kind.', labelNames: ['kind'], registers: [registry] });
  const bulkDuration = new Histogram({ name: 'swarmscope_elasticsearch_bulk_duration_seconds', help: 'Elasticsearch _bulk request latency.', labelNames: ['outcome'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] });
  const inflight = new Gauge({ name: 'swarmscope_ingest_inflight_requests', help: 'Ingest requests being processed now.', registers: [registry] });
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
      this.reset();
      for (const n of state.nodes.values()) this.set({ node: n.hostname, node_id: n.nodeId }, n.lastSeenMs / 1000);
    },
  });
  new Gauge({
    name: 'swarmscope_collector_pipeline',
    help: 'A collector\'s self-reported pipeline figure (queue_batches, queue_bytes, oldest_unshipped_age_seconds, and cumulative counters such as retries and dropped_records), per node.',
    labelNames: ['node', 'node_id', 'figure'],
    registers: [registry],
    collect() {
      this.reset();
      for (const n of state.nodes.values()) {
        if (!n.agent) continue;
        for (const [figure, v] of Object.entries({ ...n.agent.counters, ...n.agent.gauges })) this.set({ node: n.hostname, node_id: n.nodeId, figure }, v);
      }
    },
  });
  return { batches, records, bulkDuration, inflight };
}
