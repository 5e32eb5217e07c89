// promtool unit tests for every alert, firing and not firing, as data. Expected annotations are
// the rule's templates filled with the labels and the value text each case states by hand, so a
// template that renders wrongly (a missing label, a bad format) fails `promtool test rules`.
import { RULE_GROUPS, type AlertRule } from './alert-rules.ts';

type Expect = { labels: Record<string, string>; value?: string };
type Case = {
  alert: string;
  title: string;
  interval?: string;
  at: string;
  series: Record<string, string>;
  expect: Expect[];
};

const C = {
  id: '/docker/0123456789ab',
  name: 'shop_web.1.x1xxxxxxxxxxxxxxxxxxxxxxx',
  image: 'web:1',
  node: 'n1',
  container_label_com_docker_swarm_service_name: 'shop_web',
  container_label_com_docker_swarm_service_id: 's1',
  container_label_com_docker_swarm_task_name: 'shop_web.1.x1xxxxxxxxxxxxxxxxxxxxxxx',
  container_label_com_docker_swarm_task_id: 'x1xxxxxxxxxxxxxxxxxxxxxxx',
  container_label_com_docker_swarm_node_id: 'id1',
  container_label_com_docker_stack_namespace: 'shop',
};
/** The labels a container alert keeps, named. */
const CL = {
  node: 'n1',
  name: 'shop_web.1',
  container_label_com_docker_swarm_service_name: 'shop_web',
  container_label_com_docker_stack_namespace: 'shop',
  service: 'shop_web',
  task: 'shop_web.1',
  stack: 'shop',
};
/** The same task slot after Swarm replaced its container. */
const C2 = {
  ...C,
  id: '/docker/ba9876543210',
  name: 'shop_web.1.y2yyyyyyyyyyyyyyyyyyyyyyy',
  container_label_com_docker_swarm_task_name: 'shop_web.1.y2yyyyyyyyyyyyyyyyyyyyyyy',
  container_label_com_docker_swarm_task_id: 'y2yyyyyyyyyyyyyyyyyyyyyyy',
};

function s(metric: string, labels: Record<string, string>): string {
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}

const FS = { node: 'n1', mountpoint: '/', device: '/dev/sda1', fstype: 'ext4' };
const TMPFS = { node: 'n1', mountpoint: '/run', device: 'tmpfs', fstype: 'tmpfs' };
const DISK = { node: 'n1', mountpoint: '/', device: '/dev/sda1' };
const N = (n: string, id: string) => ({ node: n, node_id: id });

export const CASES: Case[] = [
  {
    alert: 'ContainerUnhealthy',
    title: 'fires for an unhealthy container',
    at: '2m',
    series: { [s('swarmscope_container_health', { ...C, health: 'unhealthy' })]: '1x5' },
    expect: [{ labels: CL }],
  },
  {
    alert: 'ContainerUnhealthy',
    title: 'keeps firing for a task slot whose replacements turn unhealthy in turn',
    interval: '15s',
    at: '2m',
    series: {
      [s('swarmscope_container_health', { ...C, health: 'unhealthy' })]: '1 1 _x20',
      [s('swarmscope_container_health', { ...C2, health: 'unhealthy' })]: '_x4 1 1 _x20',
    },
    expect: [{ labels: CL }],
  },
  {
    alert: 'ContainerUnhealthy',
    title: 'quiet while healthy',
    at: '2m',
    series: { [s('swarmscope_container_health', { ...C, health: 'healthy' })]: '1x5' },
    expect: [],
  },
  {
    alert: 'HealthcheckFlapping',
    title: 'fires after three fail-and-recover episodes',
    at: '6m',
    series: { [s('swarmscope_container_health_failing_streak', C)]: '0 1 0 2 0 1 0' },
    expect: [{ labels: CL, value: '3' }],
  },
  {
    alert: 'HealthcheckFlapping',
    title: 'quiet for a check that fails steadily',
    at: '6m',
    series: { [s('swarmscope_container_health_failing_streak', C)]: '0 1 2 3 4 5 6' },
    expect: [],
  },
  {
    alert: 'ContainerRestartLoop',
    title: 'fires for a container restarted every minute',
    at: '20m',
    series: { [s('swarmscope_container_restarts_total', C)]: '0+1x20' },
    expect: [{ labels: CL, value: '15' }],
  },
  {
    alert: 'ContainerRestartLoop',
    title: 'quiet without restarts',
    at: '20m',
    series: { [s('swarmscope_container_restarts_total', C)]: '5x20' },
    expect: [],
  },
  {
    alert: 'ContainerOOMKilled',
    title: 'fires after an OOM kill',
    at: '4m',
    series: { [s('container_oom_events_total', C)]: '0 0 0 1 1' },
    expect: [{ labels: CL }],
  },
  {
    alert: 'ContainerOOMKilled',
    title: 'quiet without OOM kills',
    at: '4m',
    series: { [s('container_oom_events_total', C)]: '0x5' },
    expect: [],
  },
  {
    alert: 'ContainerCpuThrottled',
    title: 'fires at half the periods throttled for 10 minutes',
    at: '20m',
    series: {
      [s('container_cpu_cfs_periods_total', C)]: '0+100x20',
      [s('container_cpu_cfs_throttled_periods_total', C)]: '0+50x20',
    },
    expect: [{ labels: CL, value: '50%' }],
  },
  {
    alert: 'ContainerCpuThrottled',
    title: 'quiet at a tenth throttled',
    at: '20m',
    series: {
      [s('container_cpu_cfs_periods_total', C)]: '0+100x20',
      [s('container_cpu_cfs_throttled_periods_total', C)]: '0+10x20',
    },
    expect: [],
  },
  {
    alert: 'ContainerMemoryNearLimit',
    title: 'fires at 95% of the limit',
    at: '8m',
    series: {
      [s('container_memory_working_set_bytes', C)]: '95x10',
      [s('container_spec_memory_limit_bytes', C)]: '100x10',
    },
    expect: [{ labels: CL, value: '95%' }],
  },
  {
    alert: 'ContainerMemoryNearLimit',
    title: 'quiet for a container without a limit',
    at: '8m',
    series: {
      [s('container_memory_working_set_bytes', C)]: '95x10',
      [s('container_spec_memory_limit_bytes', C)]: '0x10',
    },
    expect: [],
  },

  {
    alert: 'ServiceBelowDesiredReplicas',
    title: 'fires when running stays below desired',
    at: '5m',
    series: {
      [s('swarmscope_service_replicas_running', { service: 'api', stack: 'shop', mode: 'replicated', instance: 'a' })]:
        '3 3 1 1 1 1',
      [s('swarmscope_service_replicas_desired', { service: 'api', stack: 'shop', mode: 'replicated', instance: 'a' })]:
        '3x5',
    },
    expect: [{ labels: { service: 'api', stack: 'shop', mode: 'replicated' }, value: '1' }],
  },
  {
    alert: 'ServiceBelowDesiredReplicas',
    title: 'quiet at full strength and for finished jobs',
    at: '5m',
    series: {
      [s('swarmscope_service_replicas_running', { service: 'api', stack: 'shop', mode: 'replicated' })]: '3x5',
      [s('swarmscope_service_replicas_desired', { service: 'api', stack: 'shop', mode: 'replicated' })]: '3x5',
      [s('swarmscope_service_replicas_running', { service: 'migrate', stack: 'shop', mode: 'replicated-job' })]: '0x5',
      [s('swarmscope_service_replicas_desired', { service: 'migrate', stack: 'shop', mode: 'replicated-job' })]: '1x5',
    },
    expect: [],
  },
  {
    alert: 'ServiceBelowDesiredReplicas',
    title: 'fires for a crash loop whose running count flickers back to desired',
    interval: '10s',
    at: '3m',
    series: {
      [s('swarmscope_service_replicas_running', { service: 'api', stack: 'shop', mode: 'replicated' })]:
        '2 1 2 0 1 2 1 2 1 0 2 1 2 1 0 1 2 1 2 1',
      [s('swarmscope_service_replicas_desired', { service: 'api', stack: 'shop', mode: 'replicated' })]: '2x20',
    },
    expect: [{ labels: { service: 'api', stack: 'shop', mode: 'replicated' }, value: '1' }],
  },
  {
    alert: 'ServiceBelowDesiredReplicas',
    title: 'quiet during a rolling update',
    at: '5m',
    series: {
      [s('swarmscope_service_replicas_running', { service: 'api', stack: 'shop', mode: 'replicated' })]: '5 3 3 3 3 3',
      [s('swarmscope_service_replicas_desired', { service: 'api', stack: 'shop', mode: 'replicated' })]: '5x5',
      [s('swarmscope_service_update_state', { service: 'api', stack: 'shop', state: 'updating' })]: '1x5',
    },
    expect: [],
  },
  {
    alert: 'ServiceRestartLoop',
    title: 'fires when tasks fail every minute',
    at: '20m',
    series: { [s('swarmscope_service_task_failures_total', { service: 'api', stack: 'shop' })]: '0+1x20' },
    expect: [{ labels: { service: 'api', stack: 'shop' }, value: '15' }],
  },
  {
    alert: 'ServiceRestartLoop',
    title: 'quiet after two old failures',
    at: '20m',
    series: { [s('swarmscope_service_task_failures_total', { service: 'api', stack: 'shop' })]: '2x20' },
    expect: [],
  },
  {
    alert: 'GlobalServiceMissingOnNode',
    title: 'fires when the task on a node stops',
    at: '4m',
    series: {
      [s('swarmscope_service_global_present', { service: 'agent', stack: 'ops', ...N('n2', 'id2') })]: '1 1 0 0 0',
    },
    expect: [{ labels: { service: 'agent', stack: 'ops', ...N('n2', 'id2') } }],
  },
  {
    alert: 'GlobalServiceMissingOnNode',
    title: 'quiet while present',
    at: '4m',
    series: { [s('swarmscope_service_global_present', { service: 'agent', stack: 'ops', ...N('n2', 'id2') })]: '1x5' },
    expect: [],
  },
  {
    alert: 'SwarmNodeDown',
    title: 'fires for a node down a minute',
    at: '3m',
    series: { [s('swarmscope_node_up', { ...N('n2', 'id2'), role: 'worker' })]: '1 0 0 0' },
    expect: [{ labels: { ...N('n2', 'id2'), role: 'worker' } }],
  },
  {
    alert: 'SwarmNodeDown',
    title: 'quiet while ready',
    at: '3m',
    series: { [s('swarmscope_node_up', { ...N('n2', 'id2'), role: 'worker' })]: '1x4' },
    expect: [],
  },
  {
    alert: 'SwarmNodeNotActive',
    title: 'fires for a drained node',
    at: '3m',
    series: {
      [s('swarmscope_node_availability', { ...N('n2', 'id2'), role: 'worker', availability: 'drain' })]: '1x4',
    },
    expect: [{ labels: { ...N('n2', 'id2'), role: 'worker', availability: 'drain' } }],
  },
  {
    alert: 'SwarmNodeNotActive',
    title: 'quiet for an active node',
    at: '3m',
    series: {
      [s('swarmscope_node_availability', { ...N('n2', 'id2'), role: 'worker', availability: 'active' })]: '1x4',
    },
    expect: [],
  },
  {
    alert: 'SwarmManagerQuorumAtRisk',
    title: 'fires when one of three managers is unreachable',
    at: '3m',
    series: {
      [s('swarmscope_manager_reachable', N('m1', 'i1'))]: '1x4',
      [s('swarmscope_manager_reachable', N('m2', 'i2'))]: '1x4',
      [s('swarmscope_manager_reachable', N('m3', 'i3'))]: '0x4',
    },
    expect: [{ labels: {}, value: '2' }],
  },
  {
    alert: 'SwarmManagerQuorumAtRisk',
    title: 'quiet with three reachable managers',
    at: '3m',
    series: {
      [s('swarmscope_manager_reachable', N('m1', 'i1'))]: '1x4',
      [s('swarmscope_manager_reachable', N('m2', 'i2'))]: '1x4',
      [s('swarmscope_manager_reachable', N('m3', 'i3'))]: '1x4',
    },
    expect: [],
  },
  {
    alert: 'SwarmManagerQuorumAtRisk',
    title: 'quiet on a single-manager swarm',
    at: '3m',
    series: { [s('swarmscope_manager_reachable', N('m1', 'i1'))]: '1x4' },
    expect: [],
  },
  {
    alert: 'SwarmStateStale',
    title: 'fires when snapshots stop',
    at: '10m',
    series: { [s('swarmscope_swarm_snapshot_timestamp_seconds', N('m1', 'i1'))]: '0 60 120 180 _x10' },
    expect: [{ labels: {}, value: '7m 0s' }],
  },
  {
    alert: 'SwarmStateStale',
    title: 'quiet while snapshots arrive',
    at: '10m',
    series: { [s('swarmscope_swarm_snapshot_timestamp_seconds', N('m1', 'i1'))]: '0+60x12' },
    expect: [],
  },

  {
    alert: 'CollectorSilent',
    title: 'fires for a collector that stopped and for a Swarm node that never had one',
    at: '10m',
    series: {
      [s('swarmscope_collector_last_seen_timestamp_seconds', N('n1', 'id1'))]: '0 60 120 _x10',
      [s('swarmscope_node_up', { ...N('n3', 'id3'), role: 'worker' })]: '1x10',
    },
    expect: [{ labels: N('n1', 'id1') }, { labels: N('n3', 'id3') }],
  },
  {
    alert: 'CollectorSilent',
    title: "quiet while every node's collector sends",
    at: '10m',
    series: {
      [s('swarmscope_collector_last_seen_timestamp_seconds', N('n1', 'id1'))]: '0+60x10',
      [s('swarmscope_node_up', { ...N('n1', 'id1'), role: 'manager' })]: '1x10',
    },
    expect: [],
  },
  {
    alert: 'AggregatorDown',
    title: 'fires for a target that fails its scrapes',
    at: '3m',
    series: { [s('up', { job: 'swarmscope', instance: 'agg:9280' })]: '1 0 0 0' },
    expect: [{ labels: { job: 'swarmscope', instance: 'agg:9280' } }],
  },
  {
    alert: 'AggregatorDown',
    title: 'fires when no aggregator target exists',
    at: '3m',
    series: { [s('up', { job: 'other', instance: 'x:1' })]: '1x4' },
    expect: [{ labels: { job: 'swarmscope' } }],
  },
  {
    alert: 'AggregatorDown',
    title: 'quiet while scraped',
    at: '3m',
    series: { [s('up', { job: 'swarmscope', instance: 'agg:9280' })]: '1x4' },
    expect: [],
  },
  {
    alert: 'ElasticsearchIngestFailing',
    title: 'fires when every batch is refused as unavailable',
    at: '10m',
    series: {
      [s('swarmscope_ingest_batches_total', { job: 'swarmscope', instance: 'a', outcome: 'unavailable' })]: '0+10x10',
      [s('swarmscope_ingest_batches_total', { job: 'swarmscope', instance: 'a', outcome: 'ok' })]: '5x10',
    },
    expect: [{ labels: { job: 'swarmscope' } }],
  },
  {
    alert: 'ElasticsearchIngestFailing',
    title: 'quiet while batches are accepted beside a few refusals',
    at: '10m',
    series: {
      [s('swarmscope_ingest_batches_total', { job: 'swarmscope', instance: 'a', outcome: 'unavailable' })]: '0+1x10',
      [s('swarmscope_ingest_batches_total', { job: 'swarmscope', instance: 'a', outcome: 'ok' })]: '0+10x10',
    },
    expect: [],
  },
  {
    alert: 'ElasticsearchDocumentsSetAside',
    title: 'fires when documents are set aside',
    at: '20m',
    series: { [s('swarmscope_elasticsearch_bulk_items_total', { job: 'swarmscope', outcome: 'set_aside' })]: '0+1x20' },
    expect: [{ labels: { job: 'swarmscope' }, value: '10' }],
  },
  {
    alert: 'ElasticsearchDocumentsSetAside',
    title: 'quiet when none were set aside lately',
    at: '20m',
    series: { [s('swarmscope_elasticsearch_bulk_items_total', { job: 'swarmscope', outcome: 'set_aside' })]: '3x20' },
    expect: [],
  },
  {
    alert: 'CollectorBacklogGrowing',
    title: 'fires for a backlog older than 5 minutes',
    at: '6m',
    series: { [s('swarmscope_collector_oldest_unshipped_age_seconds', N('n1', 'id1'))]: '400x10' },
    expect: [{ labels: N('n1', 'id1'), value: '6m 40s' }],
  },
  {
    alert: 'CollectorBacklogGrowing',
    title: 'quiet for a fresh queue',
    at: '6m',
    series: { [s('swarmscope_collector_oldest_unshipped_age_seconds', N('n1', 'id1'))]: '10x10' },
    expect: [],
  },
  {
    alert: 'CollectorDroppingRecords',
    title: 'fires when records are dropped',
    at: '20m',
    series: {
      [s('swarmscope_collector_dropped_records_total', { ...N('n1', 'id1'), reason: 'queue_full' })]: '0+1x20',
    },
    expect: [{ labels: { ...N('n1', 'id1'), reason: 'queue_full' }, value: '10' }],
  },
  {
    alert: 'CollectorDroppingRecords',
    title: 'quiet when nothing was dropped lately',
    at: '20m',
    series: { [s('swarmscope_collector_dropped_records_total', { ...N('n1', 'id1'), reason: 'queue_full' })]: '7x20' },
    expect: [],
  },

  {
    alert: 'HostDiskFilling',
    title: 'fires for a low disk that keeps filling',
    at: '20m',
    series: {
      [s('node_filesystem_avail_bytes', FS)]: '14e9-1e8x30',
      [s('node_filesystem_size_bytes', FS)]: '100e9x30',
    },
    expect: [{ labels: DISK, value: '12%' }],
  },
  {
    alert: 'HostDiskFilling',
    title: 'quiet for a low disk that does not grow',
    at: '20m',
    series: { [s('node_filesystem_avail_bytes', FS)]: '14e9x30', [s('node_filesystem_size_bytes', FS)]: '100e9x30' },
    expect: [],
  },
  {
    alert: 'HostDiskAlmostFull',
    title: 'fires at 4% free',
    at: '10m',
    series: { [s('node_filesystem_avail_bytes', FS)]: '4e9x12', [s('node_filesystem_size_bytes', FS)]: '100e9x12' },
    expect: [{ labels: DISK, value: '4%' }],
  },
  {
    alert: 'HostDiskAlmostFull',
    title: 'quiet for a full tmpfs',
    at: '10m',
    series: {
      [s('node_filesystem_avail_bytes', TMPFS)]: '1e9x12',
      [s('node_filesystem_size_bytes', TMPFS)]: '100e9x12',
    },
    expect: [],
  },
];

/** Fills the subset of Go templates the rules use: $labels.x, $value (any pipeline), if eq. */
export function render(template: string, labels: Record<string, string>, value: string | undefined): string {
  return template
    .replace(
      /\{\{ if eq \$labels\.(\w+) "([^"]*)" \}\}(.*?)\{\{ end \}\}/g,
      (_m, l: string, v: string, body: string) => (labels[l] === v ? body : ''),
    )
    .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, l: string) => labels[l] ?? '')
    .replace(/\{\{ \$value[^}]*\}\}/g, () => {
      if (value === undefined) throw new Error(`template ${template} prints the value, but the case gives none`);
      return value;
    });
}

const rules = new Map<string, AlertRule>(RULE_GROUPS.flatMap((g) => g.rules.map((r) => [r.alert, r] as const)));

/** The promtool test file for the given rule file (path relative to the test file). */
export function ruleTests(ruleFile: string): Record<string, unknown> {
  return {
    rule_files: [ruleFile],
    evaluation_interval: '1m',
    tests: CASES.map((c) => {
      const rule = rules.get(c.alert);
      if (!rule) throw new Error(`test case for unknown alert ${c.alert}`);
      return {
        name: `${c.alert}: ${c.title}`,
        interval: c.interval ?? '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: c.alert,
            exp_alerts: c.expect.map((e) => {
              const labels = { ...e.labels, ...rule.labels };
              return {
                exp_labels: labels,
                exp_annotations: {
                  summary: render(rule.annotations.summary, labels, e.value),
                  description: render(rule.annotations.description, labels, e.value),
                },
              };
            }),
          },
        ],
      };
    }),
  };
}
