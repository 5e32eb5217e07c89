// One replica's part of the cluster, as the UI needs it: the nodes whose collectors report here
// (host summary, freshness, their containers' latest state and rates) and the Swarm snapshot if
// this replica holds it. Serialisable: peers answer GET /ui/api/part with it (fan-out in peers.ts).
import type { ContainerMetricRecord, HostMetricRecord, SwarmSnapshot } from '../../common/schema/index.ts';
import type { ClusterState } from '../sinks/prometheus/cluster-state.ts';
import type { ContainerSummary, HostUsage, UiEvent } from './ui-api.ts';

export type NodeSummary = HostUsage & {
  key: string;
  nodeId: string;
  hostname: string;
  /** When this replica last heard from the node's collector (ms since epoch). */
  lastSeenMs: number;
  load1: number | null;
  /** The collector's own queue, when it reported one. */
  queueBytes: number | null;
  containers: ContainerSummary[];
};

export type Part = {
  replica: string;
  generatedAtMs: number;
  nodes: NodeSummary[];
  swarm: { snapshot: SwarmSnapshot; time: string } | undefined;
  events: UiEvent[];
};

const L = {
  service: 'com.docker.swarm.service.name',
  serviceId: 'com.docker.swarm.service.id',
  taskId: 'com.docker.swarm.task.id',
  task: 'com.docker.swarm.task.name',
  stack: 'com.docker.stack.namespace',
};

export function summariseContainer(r: ContainerMetricRecord): ContainerSummary {
  const l = r.container.labels;
  const task = l[L.task] ?? '';
  // Swarm task names are <service>.<slot or node id>.<task id>.
  const slot = task.split('.').at(-2) ?? '';
  return {
    id: r.container.id,
    name: r.container.name,
    image: r.container.image,
    nodeId: r.node.id,
    hostname: r.node.hostname,
    service: l[L.service] ?? '',
    serviceId: l[L.serviceId] ?? '',
    taskId: l[L.taskId] ?? '',
    slot,
    stack: l[L.stack] ?? '',
    status: r.state.status,
    health: r.state.health,
    restarts: r.state.restartCount,
    oomKills: r.oomKills ?? 0,
    startedAt: r.state.startedAt ?? '',
    cpu: r.rates?.cpuTotal ?? null,
    mem: r.memory.workingSetBytes,
    memLimit: r.state.memoryLimitBytes ?? r.memory.limitBytes ?? null,
    netRx: r.rates?.netRxBytes ?? null,
    netTx: r.rates?.netTxBytes ?? null,
    ioRead: r.rates?.diskReadBytes ?? null,
    ioWrite: r.rates?.diskWriteBytes ?? null,
    time: r.time,
  };
}

function rootFs(h: HostMetricRecord | undefined) {
  const fs = h?.host.filesystems?.find((f) => f.mountpoint === '/') ?? h?.host.filesystems?.[0];
  return fs ? { total: fs.sizeBytes, used: fs.sizeBytes - fs.freeBytes } : undefined;
}

export function buildPart(
  replica: string,
  state: ClusterState,
  events: UiEvent[],
  now: number,
  hostCpu: (key: string) => number | null,
): Part {
  state.sweep();
  const nodes: NodeSummary[] = [];
  for (const [key, n] of state.nodes) {
    const host = n.host?.item;
    const m = host?.host.memory;
    const fs = rootFs(host);
    nodes.push({
      key,
      nodeId: n.nodeId,
      hostname: n.hostname,
      lastSeenMs: n.lastSeenMs,
      cpus: host ? Math.max(1, host.host.cpus.filter((c) => c.cpu !== 'cpu').length) : 0,
      cpuUsed: hostCpu(key),
      memTotal: m?.MemTotal ?? null,
      memUsed: m?.MemTotal !== undefined ? m.MemTotal - (m.MemAvailable ?? 0) : null,
      diskTotal: fs?.total ?? null,
      diskUsed: fs?.used ?? null,
      load1: host?.host.load?.load1 ?? null,
      queueBytes: n.agent?.gauges.queue_bytes ?? null,
      containers: [...n.containers.values()].map((c) => summariseContainer(c.item)),
    });
  }
  const snap = state.swarm.current();
  return {
    replica,
    generatedAtMs: now,
    nodes,
    swarm: snap ? { snapshot: snap.body, time: snap.time } : undefined,
    events,
  };
}
