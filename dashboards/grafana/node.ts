// Node dashboard (templated by node): the host's own series under node-exporter's names, its
// Swarm status, and the containers running on it.
import type { Dashboard } from '@grafana/schema';
import { dashboard, JOB_VARIABLE, sel, stat, t, table, timeseries } from './panels.ts';

const SERVICE = 'container_label_com_docker_swarm_service_name';
const host = (metric: string, ...m: string[]) => sel(metric, 'node="$node"', ...m);

export function nodeDashboard(): Dashboard {
  return dashboard({
    uid: 'swarmscope-node',
    title: 'swarmscope / Node',
    description:
      'One Swarm node: host CPU, memory, load, disks and network, its Swarm status, and the containers on it.',
    tags: ['node'],
    variables: [
      JOB_VARIABLE,
      { name: 'node', label: 'Node', query: 'label_values(swarmscope_node_info{job=~"$job"}, node)' },
    ],
    rows: [
      {
        title: 'Status',
        height: 150,
        panels: [
          stat({
            title: 'Ready',
            unit: 'none',
            graph: false,
            mappings: [
              {
                type: 'value',
                options: { '0': { text: 'not ready', color: 'red' }, '1': { text: 'ready', color: 'green' } },
              },
            ],
            targets: [t(`max(${host('swarmscope_node_up')})`)],
          }),
          stat({
            title: 'CPU busy',
            unit: 'percentunit',
            targets: [t(`1 - avg(rate(${host('node_cpu_seconds_total', 'mode="idle"')}[$__rate_interval]))`)],
          }),
          stat({
            title: 'Memory available',
            unit: 'bytes',
            targets: [t(`max(${host('node_memory_MemAvailable_bytes')})`)],
          }),
          stat({
            title: 'Containers',
            unit: 'short',
            targets: [t(`count(${host('container_memory_working_set_bytes')})`)],
          }),
        ],
      },
      {
        title: 'Host',
        panels: [
          timeseries({
            title: 'CPU by mode (cores)',
            unit: 'short',
            stack: true,
            targets: [
              t(
                `sum by (mode) (rate(${host('node_cpu_seconds_total', 'mode!="idle"')}[$__rate_interval]))`,
                '{{mode}}',
              ),
            ],
          }),
          timeseries({
            title: 'Load average',
            unit: 'short',
            targets: [
              t(`max(${host('node_load1')})`, '1m'),
              t(`max(${host('node_load5')})`, '5m'),
              t(`max(${host('node_load15')})`, '15m'),
            ],
          }),
          timeseries({
            title: 'Memory',
            unit: 'bytes',
            targets: [
              t(`max(${host('node_memory_MemTotal_bytes')}) - max(${host('node_memory_MemAvailable_bytes')})`, 'used'),
              t(`max(${host('node_memory_MemTotal_bytes')})`, 'total'),
            ],
          }),
          timeseries({
            title: 'Filesystem used',
            unit: 'percentunit',
            min: 0,
            max: 1,
            targets: [
              t(
                `1 - max by (mountpoint) (${host('node_filesystem_avail_bytes')}) / max by (mountpoint) (${host('node_filesystem_size_bytes')})`,
                '{{mountpoint}}',
              ),
            ],
          }),
          timeseries({
            title: 'Network',
            unit: 'Bps',
            targets: [
              t(
                `sum by (device) (rate(${host('node_network_receive_bytes_total')}[$__rate_interval]))`,
                '{{device}} in',
              ),
              t(
                `-sum by (device) (rate(${host('node_network_transmit_bytes_total')}[$__rate_interval]))`,
                '{{device}} out',
              ),
            ],
          }),
          timeseries({
            title: 'Disk I/O',
            unit: 'Bps',
            targets: [
              t(`sum by (device) (rate(${host('node_disk_read_bytes_total')}[$__rate_interval]))`, '{{device}} read'),
              t(
                `-sum by (device) (rate(${host('node_disk_written_bytes_total')}[$__rate_interval]))`,
                '{{device}} write',
              ),
            ],
          }),
        ],
      },
      {
        title: 'Containers on this node',
        panels: [
          timeseries({
            title: 'CPU by container (cores)',
            unit: 'short',
            stack: true,
            targets: [
              t(`sum by (name) (rate(${host('container_cpu_usage_seconds_total')}[$__rate_interval]))`, '{{name}}'),
            ],
          }),
          timeseries({
            title: 'Memory by container (working set)',
            unit: 'bytes',
            stack: true,
            targets: [t(`sum by (name) (${host('container_memory_working_set_bytes')})`, '{{name}}')],
          }),
          table({
            title: 'Containers',
            unit: 'bytes',
            sortBy: 'Working set',
            columns: { name: 'Container', image: 'Image', [SERVICE]: 'Service' },
            targets: [
              t(`max by (name, image, ${SERVICE}) (${host('container_memory_working_set_bytes')})`, 'Working set'),
            ],
          }),
        ],
      },
    ],
  });
}
