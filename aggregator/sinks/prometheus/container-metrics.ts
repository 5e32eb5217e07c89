// Container series under cAdvisor's names and label names, declared as a table (one row per
// series), rebuilt from the cluster state at every scrape so gone containers vanish.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ContainerMetricRecord } from '../../../common/schema/index.ts';
import type { ClusterState, NodeState } from './cluster-state.ts';

type Sample = { labels?: Record<string, string>; value: number };
type Row = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** Labels beyond the container's own (device, interface, …). */
  extraLabels?: string[];
  value: (r: ContainerMetricRecord, node: NodeState) => number | undefined | Sample[];
};

/** The Swarm labels cAdvisor exposes for every Docker container, always on. */
const SWARM_LABELS: Record<string, string> = {
  container_label_com_docker_swarm_service_name: 'com.docker.swarm.service.name',
  container_label_com_docker_swarm_service_id: 'com.docker.swarm.service.id',
  container_label_com_docker_swarm_task_name: 'com.docker.swarm.task.name',
  container_label_com_docker_swarm_task_id: 'com.docker.swarm.task.id',
  container_label_com_docker_swarm_node_id: 'com.docker.swarm.node.id',
  container_label_com_docker_stack_namespace: 'com.docker.stack.namespace',
};

export const CONTAINER_SERIES: Row[] = [
  { name: 'container_cpu_usage_seconds_total', help: 'Cumulative cpu time consumed in seconds.', type: 'counter', value: (r) => r.cpu.usageSeconds },
  { name: 'container_cpu_user_seconds_total', help: 'Cumulative user cpu time consumed in seconds.', type: 'counter', value: (r) => r.cpu.userSeconds },
  { name: 'container_cpu_system_seconds_total', help: 'Cumulative system cpu time consumed in seconds.', type: 'counter', value: (r) => r.cpu.systemSeconds },
  { name: 'container_memory_usage_bytes', help: 'Current memory usage in bytes, including all memory regardless of when it was accessed.', type: 'gauge', value: (r) => r.memory.usageBytes },
  { name: 'container_memory_working_set_bytes', help: 'Current working set in bytes.', type: 'gauge', value: (r) => r.memory.workingSetBytes },
  // Beyond cAdvisor: Docker's health check and restart count (the alert rules and dashboards read these).
  { name: 'swarmscope_container_health', help: 'Always 1, labelled with the container\'s health check status (healthy, unhealthy, starting, none).', type: 'gauge', extraLabels: ['health'], value: (r) => [{ labels: { health: r.state.health }, value: 1 }] },
  { name: 'swarmscope_container_health_failing_streak', help: 'Consecutive failed health check probes; drops to 0 on a passing probe (resets() counts recoveries: flapping).', type: 'gauge', value: (r) => r.state.failingStreak },
  { name: 'swarmscope_container_restarts_total', help: 'Times the engine restarted this container (restart policy); Swarm replaces tasks instead: see swarmscope_service_task_failures_total.', type: 'counter', value: (r) => r.state.restartCount },
];

/** Prometheus label name for a Docker label, as cAdvisor sanitises it. */
export function labelName(dockerLabel: string): string {
  return `container_label_${dockerLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

export function registerContainerMetrics(registry: Registry, state: ClusterState, extraDockerLabels: readonly string[]): void {
  const extra = Object.fromEntries(extraDockerLabels.map((l) => [labelName(l), l]));
  const labelMap = { ...SWARM_LABELS, ...extra };
  const baseLabels = ['id', 'name', 'image', 'node', ...Object.keys(labelMap)];
  const labelsOf = (r: ContainerMetricRecord, node: NodeState): Record<string, string> => {
    const out: Record<string, string> = { id: `/docker/${r.container.id}`, name: r.container.name, image: r.container.image, node: node.hostname };
    for (const [prom, docker] of Object.entries(labelMap)) out[prom] = r.container.labels[docker] ?? '';
    return out;
  };
  for (const row of CONTAINER_SERIES) {
    const labelNames = [...baseLabels, ...(row.extraLabels ?? [])];
    const fill = (set: (labels: Record<string, string>, v: number) => void) => {
      state.sweep();
      for (const node of state.nodes.values()) {
        for (const r of node.containers.values()) {
          const v = row.value(r, node);
          if (v === undefined) continue;
          const base = labelsOf(r, node);
          if (typeof v === 'number') set(base, v);
          else for (const s of v) set({ ...base, ...s.labels }, s.value);
        }
      }
    };
    if (row.type === 'counter') {
      new Counter({
        name: row.name,
        help: row.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          fill((l, v) => this.inc(l, v));
        },
      });
    } else {
      new Gauge({
        name: row.name,
        help: row.help,
        labelNames,
        registers: [registry],
        collect() {
          this.reset();
          fill((l, v) => this.set(l, v));
        },
      });
    }
  }
}
