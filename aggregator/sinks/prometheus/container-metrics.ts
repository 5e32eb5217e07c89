// Container series under cAdvisor's metric and label names, declared as a table (one row per
// series), rendered from the cluster state at every scrape so gone containers vanish. Rows that
// cAdvisor lacks (pids always on, health) say so; the collector's records carry the values.
import type { BlkioDevice, ContainerMetricRecord, HostMetricRecord, Psi } from '../../../common/schema/index.ts';
import type { NodeState } from './cluster-state.ts';
import { ROOT_SERIES, rootHost, TASK_STATES } from './root-cgroup.ts';
import { formatLabels, type Sample, type Table, type TableRow } from './metric-table.ts';

type Row = TableRow<ContainerMetricRecord>;

/** The Swarm labels cAdvisor exposes for every Docker container, always on. */
const SWARM_LABELS: Record<string, string> = {
  container_label_com_docker_swarm_service_name: 'com.docker.swarm.service.name',
  container_label_com_docker_swarm_service_id: 'com.docker.swarm.service.id',
  container_label_com_docker_swarm_task_name: 'com.docker.swarm.task.name',
  container_label_com_docker_swarm_task_id: 'com.docker.swarm.task.id',
  container_label_com_docker_swarm_node_id: 'com.docker.swarm.node.id',
  container_label_com_docker_stack_namespace: 'com.docker.stack.namespace',
};

const counter = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'counter', value });
const gauge = (name: string, help: string, value: Row['value']): Row => ({ name, help, type: 'gauge', value });

/** Throttling series exist only for containers with a CPU quota, as in cAdvisor. */
const quota = (r: ContainerMetricRecord, v: number | undefined) => (r.spec?.cpuQuotaUs === undefined ? undefined : v);

type NetCounter =
  'rxBytes' | 'rxPackets' | 'rxErrors' | 'rxDropped' | 'txBytes' | 'txPackets' | 'txErrors' | 'txDropped';
const net = (k: NetCounter) => (r: ContainerMetricRecord) =>
  r.network?.map((i): Sample => ({ labels: { interface: i.interface }, value: i[k] }));

const dev = (d: BlkioDevice) => ({ device: d.device, major: String(d.major), minor: String(d.minor) });
const io = (k: 'readBytes' | 'writeBytes' | 'readOps' | 'writeOps') => (r: ContainerMetricRecord) =>
  r.blkio?.map((d): Sample => ({ labels: { device: d.device }, value: d[k] }));

/** cAdvisor: "waiting" is PSI some (at least one task stalled), "stalled" is full (all tasks). */
const psi = (res: 'cpu' | 'memory' | 'io', line: keyof Psi) => (r: ContainerMetricRecord) =>
  r.psi?.[res]?.[line]?.totalSeconds;

/** One sample per device (bind mounts of one device counted once, as cAdvisor does). */
const rootFs = (
  r: ContainerMetricRecord,
  v: (f: NonNullable<HostMetricRecord['host']['filesystems']>[number]) => number,
) => {
  const fss = rootHost(r)?.host.filesystems?.filter((f) => !f.deviceError);
  if (!fss) return undefined;
  const seen = new Set<string>();
  return fss.flatMap((f): Sample[] =>
    seen.has(f.device) ? [] : (seen.add(f.device), [{ labels: { device: f.device }, value: v(f) }]),
  );
};

const seconds = (iso: string | undefined) => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : undefined;
};

export const CONTAINER_SERIES: Row[] = [
  counter('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed in seconds.', (r) => [
    { labels: { cpu: 'total' }, value: r.cpu.usageSeconds },
  ]),
  counter(
    'container_cpu_user_seconds_total',
    'Cumulative user cpu time consumed in seconds.',
    (r) => r.cpu.userSeconds,
  ),
  counter(
    'container_cpu_system_seconds_total',
    'Cumulative system cpu time consumed in seconds.',
    (r) => r.cpu.systemSeconds,
  ),
  counter('container_cpu_cfs_periods_total', 'Number of elapsed enforcement period intervals.', (r) =>
    quota(r, r.cpu.periods),
  ),
  counter('container_cpu_cfs_throttled_periods_total', 'Number of throttled period intervals.', (r) =>
    quota(r, r.cpu.throttledPeriods),
  ),
  counter('container_cpu_cfs_throttled_seconds_total', 'Total time duration the container has been throttled.', (r) =>
    quota(r, r.cpu.throttledSeconds),
  ),

  gauge(
    'container_memory_usage_bytes',
    'Current memory usage in bytes, including all memory regardless of when it was accessed.',
    (r) => r.memory.usageBytes,
  ),
  gauge('container_memory_working_set_bytes', 'Current working set in bytes.', (r) => r.memory.workingSetBytes),
  gauge('container_memory_rss', 'Size of RSS in bytes.', (r) => r.memory.rssBytes),
  gauge('container_memory_cache', 'Number of bytes of page cache memory.', (r) => r.memory.cacheBytes),
  gauge('container_memory_swap', 'Container swap usage in bytes.', (r) => r.memory.swapBytes),
  gauge('container_memory_mapped_file', 'Size of memory mapped files in bytes.', (r) => r.memory.mappedFileBytes),
  gauge('container_memory_max_usage_bytes', 'Maximum memory usage recorded in bytes.', (r) => r.memory.maxUsageBytes),
  gauge('container_memory_kernel_usage', 'Size of kernel memory allocated in bytes.', (r) => r.memory.kernelBytes),
  gauge('container_memory_file_dirty_bytes', 'Size of dirty file pages in bytes.', (r) => r.memory.dirtyBytes),
  gauge(
    'container_memory_file_writeback_bytes',
    'Size of file pages under writeback in bytes.',
    (r) => r.memory.writebackBytes,
  ),
  gauge(
    'container_memory_total_active_file_bytes',
    'Size of active file pages in bytes.',
    (r) => r.memory.activeFileBytes,
  ),
  gauge(
    'container_memory_total_inactive_file_bytes',
    'Size of inactive file pages in bytes.',
    (r) => r.memory.inactiveFileBytes,
  ),
  counter('container_memory_failcnt', 'Number of memory usage hits limits.', (r) => r.memory.failcnt),
  counter('container_memory_failures_total', 'Cumulative count of memory allocation failures.', (r) =>
    r.memory.pgfault === undefined
      ? undefined
      : [
          { labels: { failure_type: 'pgfault', scope: 'container' }, value: r.memory.pgfault },
          { labels: { failure_type: 'pgmajfault', scope: 'container' }, value: r.memory.pgmajfault ?? 0 },
        ],
  ),
  counter('container_oom_events_total', 'Count of out of memory events observed for the container.', (r) => r.oomKills),

  counter(
    'container_pressure_cpu_waiting_seconds_total',
    'Total time duration tasks in the container have waited due to CPU congestion.',
    psi('cpu', 'some'),
  ),
  counter(
    'container_pressure_cpu_stalled_seconds_total',
    'Total time duration no tasks in the container could make progress due to CPU congestion.',
    psi('cpu', 'full'),
  ),
  counter(
    'container_pressure_memory_waiting_seconds_total',
    'Total time duration tasks in the container have waited due to memory congestion.',
    psi('memory', 'some'),
  ),
  counter(
    'container_pressure_memory_stalled_seconds_total',
    'Total time duration no tasks in the container could make progress due to memory congestion.',
    psi('memory', 'full'),
  ),
  counter(
    'container_pressure_io_waiting_seconds_total',
    'Total time duration tasks in the container have waited due to IO congestion.',
    psi('io', 'some'),
  ),
  counter(
    'container_pressure_io_stalled_seconds_total',
    'Total time duration no tasks in the container could make progress due to IO congestion.',
    psi('io', 'full'),
  ),

  counter('container_network_receive_bytes_total', 'Cumulative count of bytes received.', net('rxBytes')),
  counter('container_network_receive_packets_total', 'Cumulative count of packets received.', net('rxPackets')),
  counter(
    'container_network_receive_errors_total',
    'Cumulative count of errors encountered while receiving.',
    net('rxErrors'),
  ),
  counter(
    'container_network_receive_packets_dropped_total',
    'Cumulative count of packets dropped while receiving.',
    net('rxDropped'),
  ),
  counter('container_network_transmit_bytes_total', 'Cumulative count of bytes transmitted.', net('txBytes')),
  counter('container_network_transmit_packets_total', 'Cumulative count of packets transmitted.', net('txPackets')),
  counter(
    'container_network_transmit_errors_total',
    'Cumulative count of errors encountered while transmitting.',
    net('txErrors'),
  ),
  counter(
    'container_network_transmit_packets_dropped_total',
    'Cumulative count of packets dropped while transmitting.',
    net('txDropped'),
  ),

  counter('container_blkio_device_usage_total', 'Blkio device bytes usage.', (r) =>
    r.blkio?.flatMap((d): Sample[] => [
      { labels: { ...dev(d), operation: 'Read' }, value: d.readBytes },
      { labels: { ...dev(d), operation: 'Write' }, value: d.writeBytes },
    ]),
  ),
  counter('container_fs_reads_bytes_total', 'Cumulative count of bytes read.', io('readBytes')),
  counter('container_fs_writes_bytes_total', 'Cumulative count of bytes written.', io('writeBytes')),
  counter('container_fs_reads_total', 'Cumulative count of reads completed.', io('readOps')),
  counter('container_fs_writes_total', 'Cumulative count of writes completed.', io('writeOps')),
  // The root cgroup's filesystems (the host's); a container's writable layer size is not measured (see README).
  gauge('container_fs_usage_bytes', 'Number of bytes that are consumed by the container on this filesystem.', (r) =>
    rootFs(r, (f) => f.sizeBytes - f.freeBytes),
  ),
  gauge('container_fs_limit_bytes', 'Number of bytes that can be consumed by the container on this filesystem.', (r) =>
    rootFs(r, (f) => f.sizeBytes),
  ),
  gauge(
    'container_tasks_state',
    'Number of tasks in given state. As cAdvisor without --enable_load_reader, 0 per state for containers (counts of series per service work; container_threads counts threads); the root cgroup (id="/") has the host\'s running and blocked tasks.',
    (r) => {
      const h = rootHost(r)?.host;
      return TASK_STATES.map((state): Sample => ({
        labels: { state },
        value: (state === 'running' ? h?.procsRunning : state === 'uninterruptible' ? h?.procsBlocked : 0) ?? 0,
      }));
    },
  ),

  // cAdvisor has these only with its "process" metric set, off by default; here always on.
  gauge('container_processes', 'Number of processes running inside the container.', (r) => r.pids?.processes),
  gauge(
    'container_threads',
    'Number of threads (tasks) running inside the container, as pids.current counts them.',
    (r) => r.pids?.current,
  ),
  gauge(
    'container_threads_max',
    'Maximum number of threads allowed inside the container, absent when unlimited.',
    (r) => r.pids?.limit,
  ),

  gauge('container_spec_cpu_period', 'CPU period of the container.', (r) => r.spec?.cpuPeriodUs),
  gauge('container_spec_cpu_quota', 'CPU quota of the container.', (r) => r.spec?.cpuQuotaUs),
  gauge('container_spec_cpu_shares', 'CPU share of the container.', (r) => r.spec?.cpuShares),
  // cAdvisor reports 0 for "no limit".
  gauge('container_spec_memory_limit_bytes', 'Memory limit for the container.', (r) => r.memory.limitBytes ?? 0),
  gauge(
    'container_spec_memory_reservation_limit_bytes',
    'Memory reservation limit for the container.',
    (r) => r.spec?.memoryReservationBytes ?? 0,
  ),
  gauge(
    'container_spec_memory_swap_limit_bytes',
    'Memory swap limit for the container.',
    (r) => r.spec?.memorySwapLimitBytes ?? 0,
  ),

  gauge('container_last_seen', 'Last time a container was seen by the exporter', (r) => Date.parse(r.time) / 1000),
  gauge('container_start_time_seconds', 'Start time of the container since unix epoch in seconds.', (r) =>
    seconds(r.state.startedAt),
  ),
  gauge('container_creation_time_seconds', 'Creation time of the container since unix epoch in seconds.', (r) =>
    seconds(r.state.createdAt),
  ),
  gauge(
    'container_health_state',
    "The result of the container's health check: 1 healthy, 0 starting or unhealthy, -1 no health check.",
    (r) => (r.state.health === 'healthy' ? 1 : r.state.health === 'none' ? -1 : 0),
  ),

  // Beyond cAdvisor: Docker's health check and restart count (the alert rules and dashboards read these).
  gauge(
    'swarmscope_container_health',
    "Always 1, labelled with the container's health check status (healthy, unhealthy, starting, none).",
    (r) => [{ labels: { health: r.state.health }, value: 1 }],
  ),
  gauge(
    'swarmscope_container_health_failing_streak',
    'Consecutive failed health check probes; drops to 0 on a passing probe (resets() counts recoveries: flapping).',
    (r) => r.state.failingStreak,
  ),
  counter(
    'swarmscope_container_restarts_total',
    'Times the engine restarted this container (restart policy); Swarm replaces tasks instead: see swarmscope_service_task_failures_total.',
    (r) => r.state.restartCount,
  ),
];

/** Prometheus label name for a Docker label, as cAdvisor sanitises it. */
export function labelName(dockerLabel: string): string {
  return `container_label_${dockerLabel.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** A container's own labels as exposition text (id, name, image, Swarm labels and the opted-in extras). */
export function containerLabeller(extraDockerLabels: readonly string[]): (r: ContainerMetricRecord) => string {
  const labelMap = { ...SWARM_LABELS, ...Object.fromEntries(extraDockerLabels.map((l) => [labelName(l), l])) };
  return (r) => {
    const out: Record<string, string> = {
      // The root cgroup (the whole machine, see root-cgroup.ts) is id="/", as in cAdvisor.
      id: r.container.id === '/' ? '/' : `/docker/${r.container.id}`,
      name: r.container.name,
      image: r.container.image,
    };
    for (const [prom, docker] of Object.entries(labelMap)) out[prom] = r.container.labels[docker] ?? '';
    return formatLabels(out);
  };
}

/**
 * Every container of a node, each with the labels built when its latest record arrived, and the
 * root cgroup (id="/", from the host record), which answers only the rows cAdvisor has for it.
 */
export const CONTAINER_TABLE: Table<ContainerMetricRecord, NodeState> = {
  rows: CONTAINER_SERIES.map((row): Row =>
    ROOT_SERIES.has(row.name) ? row : { ...row, value: (r) => (rootHost(r) ? undefined : row.value(r)) },
  ),
  itemsOf: function* (node) {
    if (node.root) yield node.root;
    yield* node.containers.values();
  },
};
