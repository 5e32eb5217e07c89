// Synthetic but schema-true records of a simulated node: its containers' metric records (shaped as
// the collector's cgroup sampler fills them), its host record and its inventory, with values fixed
// per container so an oracle knows every series and sum exactly (memory usage = 1 MiB × (index+1)).
import { createHash } from 'node:crypto';
import { recordId } from '../../common/record-id.ts';
import type {
  ContainerMetricRecord,
  HostMetricRecord,
  InventoryRecord,
  LogRecord,
  NodeRef,
} from '../../common/schema/index.ts';

const hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** A swarm-style node id (25 characters) for a simulated node's name. */
export const simulatedNodeId = (name: string): string => hex(`node:${name}`).slice(0, 25);

export const simulatedContainerId = (node: string, i: number): string => hex(`${node}/container/${i}`);

/** Memory usage the simulated container i reports (the oracle sums it). */
export const simulatedUsageBytes = (i: number): number => (i + 1) * 1024 * 1024;

export function containerRecord(node: NodeRef, i: number, seq: number, time: Date): ContainerMetricRecord {
  const id = simulatedContainerId(node.hostname, i);
  const service = `stack${i % 3}_svc${i % 10}`;
  return {
    kind: 'metric',
    scope: 'container',
    id: recordId(`${node.hostname}-c${i}`, 'metric', seq),
    time: time.toISOString(),
    node,
    container: {
      id,
      name: `${service}.${(i % 5) + 1}.${id.slice(0, 25)}`,
      image: `registry.example/${service}:1.${i % 4}`,
      labels: {
        'com.docker.swarm.service.name': service,
        'com.docker.swarm.service.id': id.slice(1, 26),
        'com.docker.swarm.task.name': `${service}.${(i % 5) + 1}.${id.slice(0, 25)}`,
        'com.docker.swarm.task.id': id.slice(2, 27),
        'com.docker.swarm.node.id': node.id,
        'com.docker.stack.namespace': `stack${i % 3}`,
      },
    },
    state: { status: 'running', health: 'healthy', restartCount: 0, failingStreak: 0, startedAt: time.toISOString() },
    cpu: { usageSeconds: seq * 0.01, userSeconds: seq * 0.006, systemSeconds: seq * 0.004 },
    memory: {
      usageBytes: simulatedUsageBytes(i),
      workingSetBytes: simulatedUsageBytes(i) / 2,
      rssBytes: 400_000,
      cacheBytes: 100_000,
      swapBytes: 0,
      mappedFileBytes: 0,
      maxUsageBytes: simulatedUsageBytes(i),
      failcnt: 0,
      limitBytes: 512 * 1024 * 1024,
      kernelBytes: 0,
      activeFileBytes: 0,
      inactiveFileBytes: 0,
      dirtyBytes: 0,
      writebackBytes: 0,
      pgfault: seq,
      pgmajfault: 0,
    },
    spec: { cpuPeriodUs: 100_000, cpuShares: 1024, memoryReservationBytes: 0, memorySwapLimitBytes: 0 },
    oomKills: 0,
    pids: { current: 3, processes: 2 },
    blkio: [{ device: 'sda', major: 8, minor: 0, readBytes: seq, writeBytes: seq, readOps: seq, writeOps: seq }],
    network: [
      {
        interface: 'eth0',
        rxBytes: seq * 100,
        rxPackets: seq,
        rxErrors: 0,
        rxDropped: 0,
        txBytes: seq * 100,
        txPackets: seq,
        txErrors: 0,
        txDropped: 0,
      },
    ],
  };
}

export function hostRecord(node: NodeRef, seq: number, time: Date): HostMetricRecord {
  const cpu = (n: number) => ({
    cpu: String(n),
    user: seq,
    nice: 0,
    system: seq,
    idle: seq * 8,
    iowait: 0,
    irq: 0,
    softirq: 0,
    steal: 0,
  });
  return {
    kind: 'metric',
    scope: 'host',
    id: recordId(`${node.hostname}-host`, 'metric', seq),
    time: time.toISOString(),
    node,
    host: {
      cpus: [cpu(0), cpu(1)],
      load: { load1: 0.5, load5: 0.4, load15: 0.3 },
      memory: { MemTotal: 8 * 2 ** 30, MemFree: 2 ** 30, MemAvailable: 4 * 2 ** 30 },
      bootTimeSeconds: 1_700_000_000,
      contextSwitches: seq * 1000,
      forks: seq,
      procsRunning: 1,
      procsBlocked: 0,
      filesystems: [
        {
          device: '/dev/sda1',
          mountpoint: '/',
          fstype: 'ext4',
          sizeBytes: 1e11,
          freeBytes: 5e10,
          availBytes: 4e10,
          readonly: false,
        },
      ],
      disks: [
        {
          device: 'sda',
          reads: seq,
          readBytes: seq,
          readSeconds: 0,
          writes: seq,
          writtenBytes: seq,
          writeSeconds: 0,
          ioNow: 0,
          ioSeconds: 0,
          ioWeightedSeconds: 0,
        },
      ],
      network: [
        {
          interface: 'eth0',
          rxBytes: seq,
          rxPackets: seq,
          rxErrors: 0,
          rxDropped: 0,
          txBytes: seq,
          txPackets: seq,
          txErrors: 0,
          txDropped: 0,
        },
      ],
    },
  };
}

export function inventoryRecord(
  node: NodeRef,
  containers: number,
  seq: number,
  time: Date,
  intervalMs: number,
): InventoryRecord {
  return {
    kind: 'inventory',
    id: recordId(`${node.hostname}-inventory`, 'metric', seq),
    time: time.toISOString(),
    node,
    intervalMs,
    containerIds: Array.from({ length: containers }, (_, i) => simulatedContainerId(node.hostname, i)),
  };
}

/** A log line as the load generator writes it: one log-writing container per simulated collector. */
export function logRecord(node: NodeRef, source: string, containerId: string, seq: number, filler: string): LogRecord {
  return {
    kind: 'log',
    id: recordId(source, 'log', seq),
    time: new Date().toISOString(),
    node,
    container: { id: containerId, name: source, image: 'loadgen', labels: {} },
    stream: 'stdout',
    message: `loadgen ${source} ${seq} ${filler}`,
    origin: { source: 'loadgen', file: source, offset: seq },
  };
}
