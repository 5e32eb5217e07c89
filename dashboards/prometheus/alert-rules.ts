// The alert rule pack as data: one entry per alert (expression, for, severity, summary,
// description naming the service, task and node). Container alerts carry plain `service`, `task`
// and `stack` labels (copied from cAdvisor's label names) so Alertmanager groups every alert of a
// service together and inhibits container alerts on a node that is down.
export type AlertRule = {
  alert: string;
  expr: string;
  for: string;
  labels: {
    severity: 'critical' | 'warning' | 'info';
    scope: 'container' | 'service' | 'node' | 'cluster' | 'pipeline';
  };
  annotations: { summary: string; description: string };
};
export type RuleGroup = { name: string; rules: AlertRule[] };

const SVC = 'container_label_com_docker_swarm_service_name';
const STACK = 'container_label_com_docker_stack_namespace';
/**
 * Swarm replaces a failing task's container (an unhealthy one is killed), so a container alert
 * keys on the task slot, which survives replacement: `name` "web.1.<task id>" becomes "web.1",
 * the NAME `docker service ps` shows. Containers outside Swarm keep their own name.
 */
function bySlot(expr: string): string {
  return `label_replace(${expr}, "name", "$1", "name", "^(.+)[.][a-z0-9]{25}$")`;
}
/** The labels a container alert keeps: who (service, stack, task slot) and where (node). */
const BY = `node, name, ${SVC}, ${STACK}`;

/** Adds plain service, stack and task (the slot name) labels to a container alert. */
function named(expr: string): string {
  return `label_replace(label_replace(label_replace(${expr}, "service", "$1", "${SVC}", "(.*)"), "task", "$1", "name", "(.*)"), "stack", "$1", "${STACK}", "(.*)")`;
}

/** Real filesystems only (node-exporter's own default exclusions, in short). */
const FS = 'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|devtmpfs|autofs"';

const WHERE_CONTAINER = 'task {{ $labels.task }} of service {{ $labels.service }} on node {{ $labels.node }}';

export const RULE_GROUPS: RuleGroup[] = [
  {
    name: 'swarmscope-containers',
    rules: [
      {
        alert: 'ContainerUnhealthy',
        expr: named(
          `max by (${BY}) (${bySlot('max_over_time(swarmscope_container_health{health="unhealthy"}[1m])')}) == 1`,
        ),
        for: '30s',
        labels: { severity: 'critical', scope: 'container' },
        annotations: {
          summary: 'Task {{ $labels.task }} of service {{ $labels.service }} is unhealthy',
          description: `The health check of ${WHERE_CONTAINER} has failed (its container unhealthy, or replaced for being unhealthy) within each minute for 30s or more.`,
        },
      },
      {
        alert: 'HealthcheckFlapping',
        expr: named(`sum by (${BY}) (${bySlot('resets(swarmscope_container_health_failing_streak[15m])')}) >= 3`),
        for: '0s',
        labels: { severity: 'warning', scope: 'container' },
        annotations: {
          summary: 'Health check of {{ $labels.task }} ({{ $labels.service }}) is flapping',
          description: `The health check of ${WHERE_CONTAINER} failed and recovered {{ $value }} times in 15 minutes.`,
        },
      },
      {
        alert: 'ContainerRestartLoop',
        expr: named(`sum by (${BY}) (${bySlot('increase(swarmscope_container_restarts_total[15m])')}) > 2`),
        for: '0s',
        labels: { severity: 'warning', scope: 'container' },
        annotations: {
          summary: 'Container {{ $labels.task }} is restarting repeatedly',
          description: `The engine restarted ${WHERE_CONTAINER} {{ $value | printf "%.0f" }} times in 15 minutes.`,
        },
      },
      {
        alert: 'ContainerOOMKilled',
        expr: named(`sum by (${BY}) (${bySlot('increase(container_oom_events_total[10m])')}) > 0`),
        for: '0s',
        labels: { severity: 'warning', scope: 'container' },
        annotations: {
          summary: 'OOM kill in {{ $labels.task }} ({{ $labels.service }})',
          description: `The kernel OOM-killed a process in ${WHERE_CONTAINER} in the last 10 minutes: its memory limit is too low or it leaks.`,
        },
      },
      {
        alert: 'ContainerCpuThrottled',
        expr: named(
          `sum by (${BY}) (${bySlot('rate(container_cpu_cfs_throttled_periods_total[5m])')}) / sum by (${BY}) (${bySlot('rate(container_cpu_cfs_periods_total[5m])')}) > 0.25`,
        ),
        for: '10m',
        labels: { severity: 'warning', scope: 'container' },
        annotations: {
          summary: 'CPU of {{ $labels.task }} ({{ $labels.service }}) is throttled',
          description: `${WHERE_CONTAINER} was throttled in {{ $value | humanizePercentage }} of its CPU periods for 10 minutes: its CPU limit is too low for its load.`,
        },
      },
      {
        alert: 'ContainerMemoryNearLimit',
        expr: named(
          `max by (${BY}) (${bySlot('container_memory_working_set_bytes / (container_spec_memory_limit_bytes > 0)')}) > 0.9`,
        ),
        for: '5m',
        labels: { severity: 'warning', scope: 'container' },
        annotations: {
          summary: 'Memory of {{ $labels.task }} ({{ $labels.service }}) is near its limit',
          description: `The working set of ${WHERE_CONTAINER} is at {{ $value | humanizePercentage }} of its memory limit: an OOM kill is near.`,
        },
      },
    ],
  },
  {
    name: 'swarmscope-swarm',
    rules: [
      {
        alert: 'ServiceBelowDesiredReplicas',
        // Below desired at least once in every 30 s for a minute: an outage, or a crash loop whose
        // tasks come and go (the running count flickers up to desired between failures). A rolling
        // update in progress is not an outage; one that fails pauses or rolls back and counts again.
        expr: 'max by (service, stack, mode) (min_over_time(swarmscope_service_replicas_running{mode!~".*-job"}[30s])) < max by (service, stack, mode) (swarmscope_service_replicas_desired{mode!~".*-job"}) unless on (service, stack) max by (service, stack) (swarmscope_service_update_state{state=~"updating|rollback_started"})',
        for: '1m',
        labels: { severity: 'critical', scope: 'service' },
        annotations: {
          summary: 'Service {{ $labels.service }} runs fewer tasks than desired',
          description:
            'Service {{ $labels.service }} (stack {{ $labels.stack }}, {{ $labels.mode }}) has been below its desired task count for over a minute (as low as {{ $value }} running in the last 30 s). The failing task, its exit code and its node are in swarmscope_task_last_exit_code{service="{{ $labels.service }}"} and the swarm index (event.action task_failed).',
        },
      },
      {
        alert: 'ServiceRestartLoop',
        expr: 'sum by (service, stack) (increase(swarmscope_service_task_failures_total[15m])) > 2',
        for: '0s',
        labels: { severity: 'warning', scope: 'service' },
        annotations: {
          summary: 'Tasks of service {{ $labels.service }} keep failing',
          description:
            '{{ $value | printf "%.0f" }} tasks of service {{ $labels.service }} (stack {{ $labels.stack }}) failed in 15 minutes and the Swarm keeps replacing them; the last exit code per task slot and node is in swarmscope_task_last_exit_code.',
        },
      },
      {
        alert: 'GlobalServiceMissingOnNode',
        expr: 'max by (service, stack, node, node_id) (swarmscope_service_global_present) == 0',
        for: '1m',
        labels: { severity: 'critical', scope: 'service' },
        annotations: {
          summary: 'Global service {{ $labels.service }} is not running on node {{ $labels.node }}',
          description:
            'The task of global service {{ $labels.service }} (stack {{ $labels.stack }}) on node {{ $labels.node }} ({{ $labels.node_id }}) has not been running for 1 minute.',
        },
      },
      {
        alert: 'SwarmNodeDown',
        expr: 'max by (node, node_id, role) (swarmscope_node_up) == 0',
        for: '1m',
        labels: { severity: 'critical', scope: 'node' },
        annotations: {
          summary: 'Swarm node {{ $labels.node }} is down',
          description:
            'The Swarm has reported {{ $labels.role }} node {{ $labels.node }} ({{ $labels.node_id }}) not ready for 1 minute: its tasks are being rescheduled elsewhere.',
        },
      },
      {
        alert: 'SwarmNodeNotActive',
        expr: 'max by (node, node_id, role, availability) (swarmscope_node_availability{availability=~"drain|pause"}) == 1',
        for: '1m',
        labels: { severity: 'warning', scope: 'node' },
        annotations: {
          summary: 'Swarm node {{ $labels.node }} is {{ $labels.availability }}',
          description:
            '{{ $labels.role }} node {{ $labels.node }} ({{ $labels.node_id }}) has availability {{ $labels.availability }}: it takes no new tasks{{ if eq $labels.availability "drain" }} and its tasks were moved away{{ end }}.',
        },
      },
      {
        alert: 'SwarmManagerQuorumAtRisk',
        // One more manager lost would lose the Raft majority (a single-manager swarm is left out: it has no quorum to protect).
        expr: 'sum(max by (node_id) (swarmscope_manager_reachable)) <= count(max by (node_id) (swarmscope_manager_reachable)) / 2 + 1 and count(max by (node_id) (swarmscope_manager_reachable)) > 1',
        for: '1m',
        labels: { severity: 'critical', scope: 'cluster' },
        annotations: {
          summary: 'Swarm manager quorum is at risk',
          description:
            'Only {{ $value }} managers are reachable: losing one more loses the Raft majority, and then no service can be created, updated or rescheduled. Unreachable managers: swarmscope_manager_reachable == 0.',
        },
      },
      {
        alert: 'SwarmStateStale',
        expr: 'time() - max(max_over_time(swarmscope_swarm_snapshot_timestamp_seconds[1h])) > 120',
        for: '1m',
        labels: { severity: 'critical', scope: 'cluster' },
        annotations: {
          summary: 'No manager reports the Swarm state',
          description:
            "The last Swarm snapshot is {{ $value | humanizeDuration }} old: the leading manager's collector is silent, or the managers lost quorum (they then refuse to answer).",
        },
      },
    ],
  },
  {
    name: 'swarmscope-pipeline',
    rules: [
      {
        alert: 'CollectorSilent',
        // max_over_time keeps a node that went silent in view for an hour after the aggregator forgets it.
        expr: '(time() - max by (node, node_id) (max_over_time(swarmscope_collector_last_seen_timestamp_seconds[1h])) > 60) or (max by (node, node_id) (swarmscope_node_up == 1) unless on (node_id) max by (node_id) (max_over_time(swarmscope_collector_last_seen_timestamp_seconds[1h])))',
        for: '1m',
        labels: { severity: 'critical', scope: 'node' },
        annotations: {
          summary: 'No batch from the collector on node {{ $labels.node }}',
          description:
            'The aggregators have received nothing from the collector on node {{ $labels.node }} ({{ $labels.node_id }}) for over a minute (or never, though the Swarm lists the node): its containers, logs and events are not being collected.',
        },
      },
      {
        alert: 'AggregatorDown',
        expr: 'up{job="swarmscope"} == 0 or absent(up{job="swarmscope"})',
        for: '1m',
        labels: { severity: 'critical', scope: 'pipeline' },
        annotations: {
          summary: 'Aggregator {{ $labels.instance }} is down',
          description:
            'Prometheus cannot scrape the swarmscope aggregator {{ $labels.instance }} (or finds none): collectors are queueing on disk and /metrics is stale.',
        },
      },
      {
        alert: 'ElasticsearchIngestFailing',
        expr: 'sum by (job) (rate(swarmscope_ingest_batches_total{outcome="unavailable"}[5m])) > 0 and sum by (job) (rate(swarmscope_ingest_batches_total{outcome="ok"}[5m])) == 0',
        for: '2m',
        labels: { severity: 'critical', scope: 'pipeline' },
        annotations: {
          summary: 'Elasticsearch takes no batches',
          description:
            'For 2 minutes every batch was answered 503 (sink unavailable) and none accepted: collectors are holding their data on disk until Elasticsearch is back.',
        },
      },
      {
        alert: 'ElasticsearchDocumentsSetAside',
        expr: 'sum by (job) (increase(swarmscope_elasticsearch_bulk_items_total{outcome="set_aside"}[10m])) > 0',
        for: '0s',
        labels: { severity: 'warning', scope: 'pipeline' },
        annotations: {
          summary: 'Elasticsearch refused documents',
          description:
            '{{ $value | printf "%.0f" }} documents were refused by Elasticsearch in 10 minutes and set aside in the dead-letter index (mapping conflicts or bad values).',
        },
      },
      {
        alert: 'CollectorBacklogGrowing',
        expr: 'max by (node, node_id) (swarmscope_collector_oldest_unshipped_age_seconds) > 300',
        for: '5m',
        labels: { severity: 'warning', scope: 'pipeline' },
        annotations: {
          summary: 'Collector on {{ $labels.node }} is falling behind',
          description:
            'The collector on node {{ $labels.node }} ({{ $labels.node_id }}) holds a batch {{ $value | humanizeDuration }} old: the aggregators or Elasticsearch do not keep up.',
        },
      },
      {
        alert: 'CollectorDroppingRecords',
        expr: 'sum by (node, node_id, reason) (increase(swarmscope_collector_dropped_records_total[10m])) > 0',
        for: '0s',
        labels: { severity: 'critical', scope: 'pipeline' },
        annotations: {
          summary: 'Collector on {{ $labels.node }} dropped records',
          description:
            'The collector on node {{ $labels.node }} ({{ $labels.node_id }}) gave up on {{ $value | printf "%.0f" }} records in 10 minutes (reason {{ $labels.reason }}).',
        },
      },
    ],
  },
  {
    name: 'swarmscope-hosts',
    rules: [
      {
        alert: 'HostDiskFilling',
        expr: `max by (node, mountpoint, device) (node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}) < 0.15 and max by (node, mountpoint, device) (predict_linear(node_filesystem_avail_bytes{${FS}}[6h], 24 * 3600)) < 0`,
        for: '15m',
        labels: { severity: 'warning', scope: 'node' },
        annotations: {
          summary: 'Disk {{ $labels.mountpoint }} on node {{ $labels.node }} is filling',
          description:
            "Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on node {{ $labels.node }} has {{ $value | humanizePercentage }} free and, at the last 6 hours' rate, will be full within a day.",
        },
      },
      {
        alert: 'HostDiskAlmostFull',
        expr: `max by (node, mountpoint, device) (node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}) < 0.05`,
        for: '5m',
        labels: { severity: 'critical', scope: 'node' },
        annotations: {
          summary: 'Disk {{ $labels.mountpoint }} on node {{ $labels.node }} is almost full',
          description:
            'Filesystem {{ $labels.mountpoint }} ({{ $labels.device }}) on node {{ $labels.node }} has only {{ $value | humanizePercentage }} free: container logs, the collector queue and images will fail to write.',
        },
      },
    ],
  },
];
