// Service dashboard (templated by stack and service): replicas over time, per-task CPU, memory
// and network, task failures and exit codes, health, CPU throttling and OOM kills.
import type { Dashboard } from '@grafana/schema';
import { dashboard, JOB_VARIABLE, sel, stat, t, table, timeseries } from './panels.ts';

const SERVICE = 'container_label_com_docker_swarm_service_name';
const TASK = 'container_label_com_docker_swarm_task_name';
/** A Swarm series of the selected service. */
const svc = (metric: string, ...m: string[]) => sel(metric, 'stack=~"$stack"', 'service="$service"', ...m);
/** A container series of the selected service's tasks. */
const ctr = (metric: string, ...m: string[]) => sel(metric, `${SERVICE}="$service"`, ...m);

export function serviceDashboard(): Dashboard {
  return dashboard({
    uid: 'swarmscope-service',
    title: 'swarmscope / Service',
    description:
      'One Swarm service: its replicas, the resources each task uses, and what goes wrong (failures, exit codes, health, throttling, OOM kills).',
    tags: ['service'],
    variables: [
      JOB_VARIABLE,
      {
        name: 'stack',
        label: 'Stack',
        query: 'label_values(swarmscope_service_info{job=~"$job"}, stack)',
        includeAll: true,
      },
      {
        name: 'service',
        label: 'Service',
        query: 'label_values(swarmscope_service_info{job=~"$job", stack=~"$stack"}, service)',
      },
    ],
    rows: [
      {
        title: 'Replicas',
        height: 150,
        panels: [
          stat({ title: 'Desired', unit: 'short', targets: [t(`max(${svc('swarmscope_service_replicas_desired')})`)] }),
          stat({
            title: 'Running',
            unit: 'short',
            targets: [t(`max(${svc('swarmscope_service_replicas_running')})`)],
          }),
          stat({
            title: 'Task failures (range)',
            unit: 'short',
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'orange' },
            ],
            targets: [t(`round(sum(increase(${svc('swarmscope_service_task_failures_total')}[$__range])))`)],
          }),
          stat({
            title: 'Last exit code',
            description: 'Exit code of the newest failed task (per slot or node; the highest shown).',
            unit: 'none',
            graph: false,
            thresholds: [
              { value: null, color: 'green' },
              { value: 1, color: 'red' },
            ],
            targets: [t(`max(${svc('swarmscope_task_last_exit_code')})`)],
          }),
        ],
      },
      {
        title: 'Tasks',
        panels: [
          timeseries({
            title: 'Replicas: desired vs running',
            unit: 'short',
            targets: [
              t(`max(${svc('swarmscope_service_replicas_desired')})`, 'desired'),
              t(`max(${svc('swarmscope_service_replicas_running')})`, 'running'),
            ],
          }),
          timeseries({
            title: 'Task failures',
            description: 'Tasks that failed or were rejected: a restart loop shows as a steady rate.',
            unit: 'short',
            bars: true,
            targets: [
              t(`round(sum(increase(${svc('swarmscope_service_task_failures_total')}[$__rate_interval])))`, 'failures'),
            ],
          }),
          // Cumulative: an exit counter's series is born at its first exit, which increase() cannot see.
          timeseries({
            title: 'Container exits by exit code (since aggregator start)',
            unit: 'short',
            targets: [
              t(
                `sum by (exit_code) (${sel('swarmscope_container_exits_total', `${SERVICE}="$service"`)})`,
                'exit {{exit_code}}',
              ),
            ],
          }),
          table({
            title: 'Exit codes of the newest failed tasks',
            span: 6,
            columns: { slot: 'Slot', node: 'Node' },
            targets: [t(`max by (slot, node) (${svc('swarmscope_task_last_exit_code')})`, 'Exit code')],
          }),
          table({
            title: 'Task health',
            description: "Each task's container health check state.",
            columns: { [TASK]: 'Task', node: 'Node', health: 'Health' },
            targets: [
              t(`max by (${TASK}, node, health) (${ctr('swarmscope_container_health', 'health!="none"')})`, 'Current'),
            ],
          }),
        ],
      },
      {
        title: 'Resources per task',
        panels: [
          timeseries({
            title: 'CPU (cores)',
            unit: 'short',
            targets: [
              t(
                `sum by (${TASK}) (rate(${ctr('container_cpu_usage_seconds_total')}[$__rate_interval]))`,
                `{{${TASK}}}`,
              ),
            ],
          }),
          timeseries({
            title: 'Memory (working set) and limit',
            unit: 'bytes',
            targets: [
              t(`sum by (${TASK}) (${ctr('container_memory_working_set_bytes')})`, `{{${TASK}}}`),
              t(`max(${ctr('container_spec_memory_limit_bytes')} > 0)`, 'limit'),
            ],
          }),
          timeseries({
            title: 'Network received',
            unit: 'Bps',
            targets: [
              t(
                `sum by (${TASK}) (rate(${ctr('container_network_receive_bytes_total')}[$__rate_interval]))`,
                `{{${TASK}}}`,
              ),
            ],
          }),
          timeseries({
            title: 'Network sent',
            unit: 'Bps',
            targets: [
              t(
                `sum by (${TASK}) (rate(${ctr('container_network_transmit_bytes_total')}[$__rate_interval]))`,
                `{{${TASK}}}`,
              ),
            ],
          }),
        ],
      },
      {
        title: 'Limits',
        panels: [
          timeseries({
            title: 'CPU throttling',
            description: 'Share of CFS periods in which the task hit its CPU quota.',
            unit: 'percentunit',
            min: 0,
            max: 1,
            targets: [
              t(
                `sum by (${TASK}) (rate(${ctr('container_cpu_cfs_throttled_periods_total')}[$__rate_interval])) / sum by (${TASK}) (rate(${ctr('container_cpu_cfs_periods_total')}[$__rate_interval]))`,
                `{{${TASK}}}`,
              ),
            ],
          }),
          timeseries({
            title: 'OOM kills',
            unit: 'short',
            bars: true,
            targets: [
              t(
                `round(sum by (${TASK}) (increase(${ctr('container_oom_events_total')}[$__rate_interval])))`,
                `{{${TASK}}}`,
              ),
            ],
          }),
        ],
      },
    ],
  });
}
