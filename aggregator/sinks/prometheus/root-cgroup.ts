// cAdvisor's root cgroup (id="/"): the whole machine as one container, derived from the node's
// host record (CPU and memory from /proc, interfaces as cAdvisor counts them, disks, filesystems),
// so swarmprom's machine-level queries ({id="/"}) answer. Which container rows apply to it.
import type { ContainerMetricRecord, HostMetricRecord } from '../../../common/schema/index.ts';

/** cAdvisor leaves these interfaces out of the root cgroup's network (loopback, container ends, bridges). */
const IGNORED_INTERFACES = /^(lo|veth|docker)/;

/** container_tasks_state's states, as cAdvisor lists them. */
export const TASK_STATES = ['sleeping', 'running', 'stopped', 'uninterruptible', 'iowait'] as const;

/** The container series cAdvisor also exposes for id="/". */
export const ROOT_SERIES = new Set([
  'container_cpu_usage_seconds_total',
  'container_cpu_user_seconds_total',
  'container_cpu_system_seconds_total',
  'container_memory_usage_bytes',
  'container_memory_working_set_bytes',
  'container_memory_rss',
  'container_memory_cache',
  'container_memory_swap',
  'container_memory_mapped_file',
  'container_network_receive_bytes_total',
  'container_network_receive_packets_total',
  'container_network_receive_errors_total',
  'container_network_receive_packets_dropped_total',
  'container_network_transmit_bytes_total',
  'container_network_transmit_packets_total',
  'container_network_transmit_errors_total',
  'container_network_transmit_packets_dropped_total',
  'container_blkio_device_usage_total',
  'container_fs_reads_bytes_total',
  'container_fs_writes_bytes_total',
  'container_fs_reads_total',
  'container_fs_writes_total',
  'container_fs_usage_bytes',
  'container_fs_limit_bytes',
  'container_tasks_state',
  'container_last_seen',
]);

const roots = new WeakMap<HostMetricRecord, ContainerMetricRecord>();
const hosts = new WeakMap<ContainerMetricRecord, HostMetricRecord>();

/** The host record behind a root-cgroup item, undefined for a real container's record. */
export const rootHost = (r: ContainerMetricRecord): HostMetricRecord | undefined => hosts.get(r);

/** The root cgroup as a container record (built once per host record). */
export function rootCgroupRecord(h: HostMetricRecord): ContainerMetricRecord {
  let r = roots.get(h);
  if (r) return r;
  const m = h.host.memory;
  const sum = (f: (c: HostMetricRecord['host']['cpus'][number]) => number) => h.host.cpus.reduce((a, c) => a + f(c), 0);
  const usage = (m.MemTotal ?? 0) - (m.MemFree ?? 0);
  r = {
    kind: 'metric',
    scope: 'container',
    id: h.id,
    time: h.time,
    node: h.node,
    container: { id: '/', name: '', image: '', labels: {} },
    state: { status: 'running', health: 'none', restartCount: 0 },
    cpu: {
      usageSeconds: sum((c) => c.user + c.nice + c.system + c.irq + c.softirq + c.steal),
      userSeconds: sum((c) => c.user + c.nice),
      systemSeconds: sum((c) => c.system + c.irq + c.softirq),
    },
    memory: {
      usageBytes: usage,
      workingSetBytes: Math.max(0, usage - (m['Inactive(file)'] ?? 0)),
      rssBytes: m.AnonPages,
      cacheBytes: m.Cached,
      swapBytes: m.SwapTotal === undefined ? undefined : m.SwapTotal - (m.SwapFree ?? 0),
      mappedFileBytes: m.Mapped,
    },
    network: h.host.network
      ?.filter((i) => !IGNORED_INTERFACES.test(i.interface))
      .map(({ interface: name, rxBytes, rxPackets, rxErrors, rxDropped, txBytes, txPackets, txErrors, txDropped }) => ({
        interface: name,
        rxBytes,
        rxPackets,
        rxErrors,
        rxDropped,
        txBytes,
        txPackets,
        txErrors,
        txDropped,
      })),
    blkio: h.host.disks?.map((d) => ({
      device: d.device,
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      readBytes: d.readBytes,
      writeBytes: d.writtenBytes,
      readOps: d.reads,
      writeOps: d.writes,
    })),
  };
  roots.set(h, r);
  hosts.set(r, h);
  return r;
}
