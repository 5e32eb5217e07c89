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
