// Container dashboard (templated by node and container name): every series of one container.
import type { Dashboard } from '@grafana/schema';
import { dashboard, JOB_VARIABLE, sel, stat, t, timeseries } from './panels.ts';

const c = (metric: string, ...m: string[]) => sel(metric, 'node="$node"', 'name="$container"', ...m);
const rate = (metric: string, ...m: string[]) => `rate(${c(metric, ...m)}[$__rate_interval])`;

export function containerDashboard(): Dashboard {
  return dashboard({
    uid: 'swarmscope-container',
    title: 'swarmscope / Container',
    description:
      'One container, every series swarmscope keeps for it: CPU, throttling, memory, OOM kills, network, block I/O, processes, health and restarts.',
    tags: ['container'],
    variables: [
      JOB_VARIABLE,
      { name: 'node', label: 'Node', query: 'label_values(container_memory_working_set_bytes{job=~"$job"}, node)' },
      {
        name: 'container',
        label: 'Container',
        query: 'label_values(container_memory_working_set_bytes{job=~"$job", node="$node"}, name)',
      },
    ],
    rows: [
      {
        title: 'State',
        height: 150,
        panels: [
          stat({
            title: 'CPU (cores)',
            unit: 'short',
            decimals: 3,
            targets: [t(`sum(${rate('container_cpu_usage_seconds_total')})`)],
          }),
          stat({
            title: 'Working set',
            unit: 'bytes',
            targets: [t(`sum(${c('container_memory_working_set_bytes')})`)],
          }),
          stat({
            title: 'Restarts',
            unit: 'short',
            graph: false,
            targets: [t(`max(${c('swarmscope_container_restarts_total')})`)],
          }),
          stat({
            title: 'OOM kills',
            unit: 'short',
            graph: false,
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
            targets: [t(`max(${c('container_oom_events_total')})`)],
          }),
        ],
      },
      {
        title: 'CPU and memory',
        panels: [
          timeseries({
            title: 'CPU (cores)',
            unit: 'short',
            targets: [
              t(`sum(${rate('container_cpu_user_seconds_total')})`, 'user'),
              t(`sum(${rate('container_cpu_system_seconds_total')})`, 'system'),
              t(`sum(${rate('container_cpu_usage_seconds_total')})`, 'total'),
            ],
          }),
          timeseries({
            title: 'CPU throttled time',
            unit: 's',
            targets: [t(`sum(${rate('container_cpu_cfs_throttled_seconds_total')})`, 'throttled s/s')],
          }),
          timeseries({
            title: 'Memory',
            unit: 'bytes',
            targets: [
              t(`sum(${c('container_memory_usage_bytes')})`, 'usage'),
              t(`sum(${c('container_memory_working_set_bytes')})`, 'working set'),
              t(`sum(${c('container_memory_rss')})`, 'rss'),
              t(`sum(${c('container_memory_cache')})`, 'cache'),
              t(`max(${c('container_spec_memory_limit_bytes')} > 0)`, 'limit'),
            ],
          }),
          timeseries({
            title: 'Memory limit hits',
            unit: 'short',
            targets: [t(`sum(${rate('container_memory_failcnt')})`, 'failcnt/s')],
          }),
        ],
      },
      {
        title: 'I/O and processes',
        panels: [
          timeseries({
            title: 'Network',
            unit: 'Bps',
            targets: [
              t(`sum by (interface) (${rate('container_network_receive_bytes_total')})`, '{{interface}} in'),
              t(`-sum by (interface) (${rate('container_network_transmit_bytes_total')})`, '{{interface}} out'),
            ],
          }),
          timeseries({
            title: 'Block I/O',
            unit: 'Bps',
            targets: [
              t(`sum by (device) (${rate('container_fs_reads_bytes_total')})`, '{{device}} read'),
              t(`-sum by (device) (${rate('container_fs_writes_bytes_total')})`, '{{device}} write'),
            ],
          }),
          timeseries({
            title: 'Processes and threads',
            unit: 'short',
            targets: [
              t(`sum(${c('container_processes')})`, 'processes'),
              t(`sum(${c('container_threads')})`, 'threads'),
            ],
          }),
          timeseries({
            title: 'Health',
            unit: 'short',
            targets: [t(`max by (health) (${c('swarmscope_container_health')})`, '{{health}}')],
          }),
        ],
      },
    ],
  });
}
