// Pipeline dashboard: the stack watching itself. Ingest rate and outcomes at the aggregator,
// Elasticsearch bulk latency and item outcomes, and each collector's queue, lag and drops.
import type { Dashboard } from '@grafana/schema';
import { dashboard, JOB_VARIABLE, sel, stat, t, timeseries } from './panels.ts';

export function pipelineDashboard(): Dashboard {
  return dashboard({
    uid: 'swarmscope-pipeline',
    title: 'swarmscope / Pipeline',
    description:
      'The monitoring pipeline itself: collectors → aggregator → Elasticsearch and Prometheus. Read it when data looks late or missing.',
    tags: ['pipeline'],
    variables: [JOB_VARIABLE],
    rows: [
      {
        title: 'Ingest',
        height: 150,
        panels: [
          stat({
            title: 'Records / s',
            span: 2,
            unit: 'short',
            decimals: 1,
            targets: [t(`sum(rate(${sel('swarmscope_ingest_records_total')}[$__rate_interval]))`)],
          }),
          stat({
            title: 'Batches / s (ok)',
            span: 2,
            unit: 'short',
            decimals: 1,
            targets: [t(`sum(rate(${sel('swarmscope_ingest_batches_total', 'outcome="ok"')}[$__rate_interval]))`)],
          }),
          stat({
            title: 'Collectors reporting',
            span: 2,
            unit: 'short',
            targets: [t(`count(${sel('swarmscope_collector_last_seen_timestamp_seconds')})`)],
          }),
          stat({
            title: 'Records set aside (range)',
            description:
              'Bulk items Elasticsearch refused for good (mapping conflicts…), kept in the dead-letter index.',
            unit: 'short',
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
            targets: [
              t(
                `round(sum(increase(${sel('swarmscope_elasticsearch_bulk_items_total', 'outcome="set_aside"')}[$__range])))`,
              ),
            ],
          }),
          stat({
            title: 'Requests in flight',
            unit: 'short',
            targets: [t(`sum(${sel('swarmscope_ingest_inflight_requests')})`)],
            thresholds: [
              { value: null, color: 'green' },
              { value: 16, color: 'orange' },
            ],
          }),
        ],
      },
      {
        title: 'Aggregator',
        panels: [
          timeseries({
            title: 'Batches by outcome',
            unit: 'reqps',
            stack: true,
            targets: [
              t(`sum by (outcome) (rate(${sel('swarmscope_ingest_batches_total')}[$__rate_interval]))`, '{{outcome}}'),
            ],
          }),
          timeseries({
            title: 'Records by kind',
            unit: 'short',
            stack: true,
            targets: [
              t(`sum by (kind) (rate(${sel('swarmscope_ingest_records_total')}[$__rate_interval]))`, '{{kind}}'),
            ],
          }),
          timeseries({
            title: 'Elasticsearch bulk latency',
            unit: 's',
            targets: [
              t(
                `histogram_quantile(0.5, sum by (le) (rate(${sel('swarmscope_elasticsearch_bulk_duration_seconds_bucket')}[$__rate_interval])))`,
                'p50',
              ),
              t(
                `histogram_quantile(0.99, sum by (le) (rate(${sel('swarmscope_elasticsearch_bulk_duration_seconds_bucket')}[$__rate_interval])))`,
                'p99',
              ),
            ],
          }),
          timeseries({
            title: 'Elasticsearch bulk items by outcome',
            description:
              'created; duplicate (already held: a retry); retried (429/5xx); set_aside (dead-letter index).',
            unit: 'short',
            stack: true,
            targets: [
              t(
                `sum by (outcome) (rate(${sel('swarmscope_elasticsearch_bulk_items_total')}[$__rate_interval]))`,
                '{{outcome}}',
              ),
            ],
          }),
        ],
      },
      {
        title: 'Collectors',
        panels: [
          timeseries({
            title: 'Queue depth (batches)',
            unit: 'short',
            targets: [t(`max by (node) (${sel('swarmscope_collector_queue_batches')})`, '{{node}}')],
          }),
          timeseries({
            title: 'Queue size',
            unit: 'bytes',
            targets: [t(`max by (node) (${sel('swarmscope_collector_queue_bytes')})`, '{{node}}')],
          }),
          timeseries({
            title: 'Lag: oldest unshipped batch',
            unit: 's',
            targets: [t(`max by (node) (${sel('swarmscope_collector_oldest_unshipped_age_seconds')})`, '{{node}}')],
          }),
          timeseries({
            title: 'Last heard from',
            description: 'Seconds since the aggregator last received a batch from the node.',
            unit: 's',
            targets: [
              t(`time() - max by (node) (${sel('swarmscope_collector_last_seen_timestamp_seconds')})`, '{{node}}'),
            ],
          }),
          timeseries({
            title: 'Dropped records',
            description:
              'Records a collector gave up on, by reason: its disk queue at its bound, too old, or refused by the aggregator as malformed (set aside).',
            unit: 'short',
            targets: [
              t(
                `sum by (node, reason) (increase(${sel('swarmscope_collector_dropped_records_total')}[$__rate_interval]))`,
                '{{node}} {{reason}}',
              ),
            ],
          }),
          timeseries({
            title: 'Shipped records / s',
            unit: 'short',
            targets: [
              t(
                `sum by (node) (rate(${sel('swarmscope_collector_shipped_records_total')}[$__rate_interval]))`,
                '{{node}}',
              ),
            ],
          }),
          timeseries({
            title: 'Shipping retries / s',
            unit: 'short',
            targets: [
              t(`sum by (node) (rate(${sel('swarmscope_collector_retries_total')}[$__rate_interval]))`, '{{node}}'),
            ],
          }),
        ],
      },
    ],
  });
}
