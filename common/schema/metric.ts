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
});

export const BlkioDevice = Type.Object({
  device: Type.String({ maxLength: 64 }),
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
  oomKills: OptCount,
  oomEvents: OptCount,
  pids: Type.Optional(Type.Object({ current: Count, limit: OptCount })),
  blkio: Type.Optional(Type.Array(BlkioDevice, { maxItems: 256 })),
  network: Type.Optional(Type.Array(NetworkInterface, { maxItems: 256 })),
  psi: Type.Optional(Type.Object({ cpu: Type.Optional(Psi), memory: Type.Optional(Psi), io: Type.Optional(Psi) })),
});

/** Host series under node-exporter's vocabulary; each field is optional as not every host has each. */
export const HostMetricRecord = Type.Object({
  kind: Type.Literal('metric'),
  scope: Type.Literal('host'),
  ...baseFields,
  host: Type.Record(Type.String({ maxLength: 128 }), Type.Unknown()),
});

export type ContainerMetricRecord = Type.Static<typeof ContainerMetricRecord>;
export type HostMetricRecord = Type.Static<typeof HostMetricRecord>;
export type CpuSample = Type.Static<typeof CpuSample>;
export type MemorySample = Type.Static<typeof MemorySample>;
export type BlkioDevice = Type.Static<typeof BlkioDevice>;
export type NetworkInterface = Type.Static<typeof NetworkInterface>;
export type Psi = Type.Static<typeof Psi>;
export type ContainerState = Type.Static<typeof ContainerState>;
