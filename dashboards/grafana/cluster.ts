// Cluster overview: the dashboard people open first. Nodes (up, availability), services (desired
// vs running), containers by state, CPU and memory by node and by service, alerts firing, and the
// containers using the most.
import type { Dashboard } from '@grafana/schema';
import { dashboard, JOB_VARIABLE, sel, stat, t, table, timeseries } from './panels.ts';

const SERVICE = 'container_label_com_docker_swarm_service_name';
const cpu = `rate(${sel('container_cpu_usage_seconds_total')}[$__rate_interval])`;
const mem = sel('container_memory_working_set_bytes');

export function clusterDashboard(): Dashboard {
  return dashboard({
    uid: 'swarmscope-cluster',
    title: 'swarmscope / Cluster overview',
    description:
      'The whole Swarm at a glance: nodes, services, containers, resources and alerts. Drill down with the Service, Node and Container dashboards.',
    tags: ['cluster'],
    variables: [JOB_VARIABLE],
    rows: [
      {
        title: 'Health',
        height: 150,
        panels: [
          stat({
            title: 'Nodes ready',
            unit: 'short',
            graph: false,
            targets: [t(`sum(${sel('swarmscope_node_up')})`)],
            description: 'Nodes the Swarm reports ready.',
          }),
          stat({
            title: 'Nodes not ready',
            unit: 'short',
            graph: false,
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
            targets: [t(`count(${sel('swarmscope_node_up')} == 0) or 0 * count(${sel('swarmscope_node_up')})`)],
          }),
          stat({
            title: 'Services short of replicas',
            description: 'Services running fewer tasks than they should.',
            unit: 'short',
            graph: false,
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'orange' },
            ],
            targets: [
              t(
                `count(${sel('swarmscope_service_replicas_running')} < ignoring(mode) ${sel('swarmscope_service_replicas_desired')}) or 0 * count(${sel('swarmscope_service_replicas_desired')})`,
              ),
            ],
          }),
          stat({
            title: 'Alerts firing',
            unit: 'short',
            graph: false,
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
            targets: [t('count(ALERTS{alertstate="firing"})')],
          }),
        ],
      },
      {
        title: 'Nodes and services',
        panels: [
          table({
            title: 'Nodes',
            span: 5,
            columns: { node: 'Node', role: 'Role', availability: 'Availability' },
            targets: [
              t(
                `max by (node, role, availability) (${sel('swarmscope_node_availability')}) * on (node) group_left max by (node) (${sel('swarmscope_node_up')})`,
                'Ready',
              ),
            ],
          }),
          table({
            title: 'Services: desired vs running',
            span: 7,
            columns: { stack: 'Stack', service: 'Service', mode: 'Mode' },
            targets: [
              t(`max by (stack, service, mode) (${sel('swarmscope_service_replicas_desired')})`, 'Desired'),
              t(`max by (stack, service, mode) (${sel('swarmscope_service_replicas_running')})`, 'Running'),
            ],
          }),
        ],
      },
      {
        title: 'Containers',
        panels: [
          timeseries({
            title: 'Running containers by health',
            unit: 'short',
            stack: true,
            targets: [t(`count by (health) (${sel('swarmscope_container_health')})`, '{{health}}')],
          }),
          timeseries({
            title: 'Swarm tasks by state',
            description:
              'Tasks the engine retains, by current state: failed and rejected tasks are the history of trouble.',
            unit: 'short',
            stack: true,
            targets: [t(`sum by (state) (${sel('swarmscope_service_tasks')})`, '{{state}}')],
          }),
          timeseries({
            title: 'Container lifecycle events',
            description: 'Docker container events per second, by action (start, die, oom, kill, health_status…).',
            unit: 'short',
            stack: true,
            bars: true,
            targets: [
              t(
                `sum by (action) (increase(${sel('swarmscope_container_events_total')}[$__rate_interval]))`,
                '{{action}}',
              ),
            ],
          }),
          // Cumulative: an exit counter's series is born at its first exit, which increase() cannot see.
          timeseries({
            title: 'Container exits by exit code (since aggregator start)',
            unit: 'short',
            targets: [t(`sum by (exit_code) (${sel('swarmscope_container_exits_total')})`, 'exit {{exit_code}}')],
          }),
        ],
      },
      {
        title: 'Resources',
        panels: [
          timeseries({
            title: 'CPU by node (cores)',
            unit: 'short',
            stack: true,
            targets: [t(`sum by (node) (${cpu})`, '{{node}}')],
          }),
          timeseries({
            title: 'Memory by node (working set)',
            unit: 'bytes',
            stack: true,
            targets: [t(`sum by (node) (${mem})`, '{{node}}')],
          }),
          timeseries({
            title: 'CPU by service (cores)',
            unit: 'short',
            stack: true,
            targets: [
              t(`sum by (${SERVICE}) (${cpu.replace('job=~"$job"', `job=~"$job",${SERVICE}!=""`)})`, `{{${SERVICE}}}`),
            ],
          }),
          timeseries({
            title: 'Memory by service (working set)',
            unit: 'bytes',
            stack: true,
            targets: [
              t(
                `sum by (${SERVICE}) (${sel('container_memory_working_set_bytes', `${SERVICE}!=""`)})`,
                `{{${SERVICE}}}`,
              ),
            ],
          }),
        ],
      },
      {
        title: 'Top containers',
        panels: [
          table({
            title: 'Top 10 containers by CPU',
            span: 6,
            unit: 'short',
            sortBy: 'CPU (cores)',
            columns: { name: 'Container', node: 'Node', [SERVICE]: 'Service' },
            targets: [t(`topk(10, sum by (name, node, ${SERVICE}) (${cpu}))`, 'CPU (cores)')],
          }),
          table({
            title: 'Top 10 containers by memory',
            span: 6,
            unit: 'bytes',
            sortBy: 'Working set',
            columns: { name: 'Container', node: 'Node', [SERVICE]: 'Service' },
            targets: [t(`topk(10, sum by (name, node, ${SERVICE}) (${mem}))`, 'Working set')],
          }),
        ],
      },
    ],
  });
}
