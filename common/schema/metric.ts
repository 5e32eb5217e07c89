// Metric records: one per container per sample (cgroup readings plus the metadata that labels
// them), one per host per sample. Units are base units: seconds, bytes, counts.
import Type from 'typebox';
import { baseFields, ContainerRef } from './base.ts';

const Count = Type.Number({ minimum: 0 });
const OptCount = Type.Optional(Count);

export const CpuSample = Type.Object({
  usageSeconds: Count,
  userSeconds: OptCount,
  systemSeconds: OptCount,
  periods: OptCount,
  throttledPeriods: OptCount,
  throttledSeconds: OptCount,
});

export const MemorySample = Type.Object({
  usageBytes: Count,
  workingSetBytes: Count,
  rssBytes: OptCount,
  cacheBytes: OptCount,
  swapBytes: OptCount,
  mappedFileBytes: OptCount,
  maxUsageBytes: OptCount,
  failcnt: OptCount,
  /** Absent when the container has no memory limit. */
  limitBytes: OptCount,
  kernelBytes: OptCount,
  activeFileBytes: OptCount,
  inactiveFileBytes: OptCount,
  dirtyBytes: OptCount,
  writebackBytes: OptCount,
  /** Cumulative page faults (minor + major) and major faults. */
  pgfault: OptCount,
  pgmajfault: OptCount,
});

/** The container's cgroup limits as the kernel holds them (cAdvisor's container_spec_*). */
export const ContainerSpec = Type.Object({
  cpuPeriodUs: OptCount,
  /** Absent when no CPU quota is set. */
  cpuQuotaUs: OptCount,
  /** cgroup v1 cpu.shares, or v2 cpu.weight converted back to shares. */
  cpuShares: OptCount,
  memoryReservationBytes: OptCount,
  memorySwapLimitBytes: OptCount,
});

/**
 * Per-second rates over the collector's previous sample of the same container (Metricbeat's
 * .pct fields need them and only the collector sees consecutive samples). CPU in cores (1 = one
 * full core); absent on a container's first sample.
 */
export const ContainerRates = Type.Object({
  windowSeconds: Type.Number({ exclusiveMinimum: 0 }),
  onlineCpus: Type.Integer({ minimum: 1 }),
  cpuTotal: Count,
  cpuUser: OptCount,
  cpuSystem: OptCount,
  diskReadBytes: OptCount,
  diskWriteBytes: OptCount,
  diskReadOps: OptCount,
  diskWriteOps: OptCount,
  netRxBytes: OptCount,
  netTxBytes: OptCount,
  netRxPackets: OptCount,
  netTxPackets: OptCount,
  netRxErrors: OptCount,
  netTxErrors: OptCount,
  netRxDropped: OptCount,
  netTxDropped: OptCount,
});

export const BlkioDevice = Type.Object({
  /** Block device name (sda, nvme0n1, vda…) or "major:minor" when the name is unknown. */
  device: Type.String({ maxLength: 64 }),
  major: Type.Integer({ minimum: 0 }),
  minor: Type.Integer({ minimum: 0 }),
  readBytes: Count,
  writeBytes: Count,
  readOps: Count,
  writeOps: Count,
});

export const NetworkInterface = Type.Object({
  interface: Type.String({ maxLength: 64 }),
  rxBytes: Count,
  rxPackets: Count,
  rxErrors: Count,
  rxDropped: Count,
  txBytes: Count,
  txPackets: Count,
  txErrors: Count,
  txDropped: Count,
  /** The remaining /proc/net/dev columns; the host source fills them (node_network_*_total), containers leave them out. */
  rxFifo: OptCount,
  rxFrame: OptCount,
  rxCompressed: OptCount,
  rxMulticast: OptCount,
  txFifo: OptCount,
  txColls: OptCount,
  txCarrier: OptCount,
  txCompressed: OptCount,
});

const PsiLine = Type.Object({ avg10: Count, avg60: Count, avg300: Count, totalSeconds: Count });
export const Psi = Type.Object({
  some: PsiLine,
  full: Type.Optional(PsiLine),
});

export const ContainerState = Type.Object({
  status: Type.String({ maxLength: 32 }),
  /** 'healthy' | 'unhealthy' | 'starting' | 'none' */
  health: Type.String({ maxLength: 32 }),
  failingStreak: OptCount,
  restartCount: Count,
  createdAt: Type.Optional(Type.String()),
  startedAt: Type.Optional(Type.String()),
  cpuLimitCores: OptCount,
  memoryLimitBytes: OptCount,
});

export const ContainerMetricRecord = Type.Object({
  kind: Type.Literal('metric'),
  scope: Type.Literal('container'),
  ...baseFields,
  container: ContainerRef,
  state: ContainerState,
  cpu: CpuSample,
  memory: MemorySample,
  spec: Type.Optional(ContainerSpec),
  /** OOM kills inside the container (v2 memory.events oom_kill, v1 memory.oom_control oom_kill). */
  oomKills: OptCount,
  /** Times the cgroup hit its limit and the OOM killer was invoked (v2 memory.events oom). */
  oomEvents: OptCount,
  /** current = tasks (threads) as pids.current counts them; processes = entries of cgroup.procs. */
  pids: Type.Optional(Type.Object({ current: Count, limit: OptCount, processes: OptCount })),
  blkio: Type.Optional(Type.Array(BlkioDevice, { maxItems: 256 })),
  network: Type.Optional(Type.Array(NetworkInterface, { maxItems: 256 })),
  psi: Type.Optional(Type.Object({ cpu: Type.Optional(Psi), memory: Type.Optional(Psi), io: Type.Optional(Psi) })),
  rates: Type.Optional(ContainerRates),
});

/** One CPU's cumulative time per mode, in seconds (/proc/stat; node_cpu_seconds_total). */
export const HostCpu = Type.Object({
  cpu: Type.String({ maxLength: 16 }),
  user: Count,
  nice: Count,
  system: Count,
  idle: Count,
  iowait: Count,
  irq: Count,
  softirq: Count,
  steal: Count,
  /** Time running guests, already counted in user and nice (node_cpu_guest_seconds_total). */
  guest: OptCount,
  guestNice: OptCount,
});

export const HostFilesystem = Type.Object({
  device: Type.String({ maxLength: 256 }),
  mountpoint: Type.String({ maxLength: 1024 }),
  fstype: Type.String({ maxLength: 64 }),
  sizeBytes: Count,
  freeBytes: Count,
  availBytes: Count,
  files: OptCount,
  filesFree: OptCount,
  readonly: Type.Boolean(),
  /** statfs failed on this mount (node_filesystem_device_error); sizes are then 0. */
  deviceError: Type.Optional(Type.Boolean()),
});

/** /proc/diskstats, converted to bytes and seconds (node_disk_*). */
export const HostDisk = Type.Object({
  device: Type.String({ maxLength: 64 }),
  reads: Count,
  readBytes: Count,
  readSeconds: Count,
  writes: Count,
  writtenBytes: Count,
  writeSeconds: Count,
  ioNow: Count,
  ioSeconds: Count,
  ioWeightedSeconds: Count,
  major: Type.Optional(Type.Integer({ minimum: 0 })),
  minor: Type.Optional(Type.Integer({ minimum: 0 })),
  readsMerged: OptCount,
  writesMerged: OptCount,
  /** Kernel 4.18+ discard columns and 5.5+ flush columns; absent on older kernels. */
  discards: OptCount,
  discardsMerged: OptCount,
  discardedSectors: OptCount,
  discardSeconds: OptCount,
  flushes: OptCount,
  flushSeconds: OptCount,
});

const Label = Type.String({ maxLength: 256 });

/** One interface's /sys/class/net/<device> attributes (node_network_up, _info, _mtu_bytes, _speed_bytes, …). */
export const HostNetDevice = Type.Object({
  device: Type.String({ maxLength: 64 }),
  operstate: Label,
  address: Label,
  broadcast: Label,
  duplex: Label,
  ifalias: Label,
  /** Numeric attributes keyed as node-exporter names the series (node_network_<key>); unreadable ones left out. */
  values: Type.Record(Type.String({ maxLength: 64, pattern: '^[a-z_]+$' }), Type.Number(), { maxProperties: 32 }),
});

/** Per-CPU /proc/net/softnet_stat columns (node_softnet_*_total). */
export const HostSoftnet = Type.Object({
  cpu: Type.String({ maxLength: 16 }),
  processed: Count,
  dropped: Count,
  timesSqueezed: Count,
  receivedRps: OptCount,
  flowLimitCount: OptCount,
});

/** What the host is: uname, /etc/os-release of the host root, machine identity, clock source. */
export const HostSystem = Type.Object({
  uname: Type.Object({
    sysname: Label,
    release: Label,
    version: Label,
    machine: Label,
    nodename: Label,
    domainname: Label,
  }),
  /** /etc/os-release keys, lowercased (id, name, pretty_name, version_id, …). */
  os: Type.Record(Type.String({ maxLength: 64, pattern: '^[a-z_]+$' }), Label, { maxProperties: 32 }),
  bootId: Label,
  machineId: Label,
  systemUuid: Label,
  clocksource: Type.Optional(Type.Object({ current: Label, available: Type.Array(Label, { maxItems: 16 }) })),
  selinuxEnabled: Type.Boolean(),
  /** Physical cores and sockets (machine_cpu_physical_cores, machine_cpu_sockets); absent when unknown. */
  cpuTopology: Type.Optional(
    Type.Object({ physicalCores: Type.Integer({ minimum: 1 }), sockets: Type.Integer({ minimum: 1 }) }),
  ),
});

/** Time (seconds) and outcome of each host reader in the last round (node_scrape_collector_*). */
export const HostReaderStat = Type.Object({
  collector: Type.String({ maxLength: 32 }),
  seconds: Count,
  success: Type.Boolean(),
});

export const HostSample = Type.Object({
  cpus: Type.Array(HostCpu, { maxItems: 4096 }),
  load: Type.Optional(Type.Object({ load1: Count, load5: Count, load15: Count })),
  /** /proc/meminfo in bytes, keyed as the kernel names them (MemTotal, MemAvailable, SwapFree, …). */
  memory: Type.Record(Type.String({ maxLength: 64, pattern: '^[A-Za-z0-9_()]+$' }), Count),
  bootTimeSeconds: OptCount,
  uptimeSeconds: OptCount,
  contextSwitches: OptCount,
  forks: OptCount,
  procsRunning: OptCount,
  procsBlocked: OptCount,
  /** Filesystems are sampled at a slower cadence; the latest reading rides on every record. */
  filesystems: Type.Optional(Type.Array(HostFilesystem, { maxItems: 1024 })),
  disks: Type.Optional(Type.Array(HostDisk, { maxItems: 1024 })),
  network: Type.Optional(Type.Array(NetworkInterface, { maxItems: 1024 })),
  interrupts: OptCount,
  /**
   * Kernel counters and gauges keyed by their node-exporter series name without `node_`
   * (vmstat_pgfault, netstat_Tcp_InSegs, sockstat_TCP_inuse, pressure_cpu_waiting_seconds_total,
   * filefd_allocated, nf_conntrack_entries, memory_HugePages_Total, …); the aggregator's catalog
   * says which keys it exposes.
   */
  kernel: Type.Optional(
    Type.Record(Type.String({ maxLength: 96, pattern: '^[A-Za-z0-9_]+$' }), Type.Number(), { maxProperties: 512 }),
  ),
  netDevices: Type.Optional(Type.Array(HostNetDevice, { maxItems: 1024 })),
  softnet: Type.Optional(Type.Array(HostSoftnet, { maxItems: 4096 })),
  /** /proc/net/arp entries per device. */
  arp: Type.Optional(
    Type.Array(Type.Object({ device: Type.String({ maxLength: 64 }), entries: Count }), { maxItems: 1024 }),
  ),
  system: Type.Optional(HostSystem),
  readers: Type.Optional(Type.Array(HostReaderStat, { maxItems: 64 })),
  /** The collector's own process, the node's exporter (node-exporter dashboards' process_* panels). */
  exporter: Type.Optional(
    Type.Object({
      cpuSeconds: Count,
      residentBytes: Count,
      virtualBytes: Count,
      /** RLIMIT_AS and RLIMIT_NOFILE; -1 when unlimited. */
      virtualMaxBytes: Type.Number(),
      openFds: Count,
      maxFds: Type.Number(),
      startTimeSeconds: Count,
    }),
  ),
});

/** Host series under node-exporter's vocabulary; a host lacking a source leaves its field out. */
export const HostMetricRecord = Type.Object({
  kind: Type.Literal('metric'),
  scope: Type.Literal('host'),
  ...baseFields,
  host: HostSample,
});

export type ContainerMetricRecord = Type.Static<typeof ContainerMetricRecord>;
export type HostMetricRecord = Type.Static<typeof HostMetricRecord>;
export type CpuSample = Type.Static<typeof CpuSample>;
export type MemorySample = Type.Static<typeof MemorySample>;
export type BlkioDevice = Type.Static<typeof BlkioDevice>;
export type NetworkInterface = Type.Static<typeof NetworkInterface>;
export type Psi = Type.Static<typeof Psi>;
export type ContainerState = Type.Static<typeof ContainerState>;
export type ContainerSpec = Type.Static<typeof ContainerSpec>;
export type ContainerRates = Type.Static<typeof ContainerRates>;
export type HostSample = Type.Static<typeof HostSample>;
export type HostCpu = Type.Static<typeof HostCpu>;
export type HostFilesystem = Type.Static<typeof HostFilesystem>;
export type HostDisk = Type.Static<typeof HostDisk>;
export type HostNetDevice = Type.Static<typeof HostNetDevice>;
export type HostSoftnet = Type.Static<typeof HostSoftnet>;
export type HostSystem = Type.Static<typeof HostSystem>;
export type HostReaderStat = Type.Static<typeof HostReaderStat>;
