// Metric records → Metricbeat's field names: container records as the docker module's
// (docker.cpu.*.pct and .norm.pct from the collector's rates, docker.memory.*, docker.diskio.*,
// docker.network.*) plus ECS's container.cpu.usage / container.memory.usage, host records as the
// system module's (system.cpu, load, memory, …).
import type { ContainerMetricRecord, HostMetricRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? undefined : a / b);
const sum = <T>(items: readonly T[] | undefined, f: (t: T) => number) =>
  items ? items.reduce((a, t) => a + f(t), 0) : undefined;

/**
 * ECS's container metrics: cpu.usage and memory.usage (0..1: share of the host's cores, of the
 * limit), network ingress/egress and disk read/write bytes since the previous sample.
 */
export function ecsContainerMetrics(r: ContainerMetricRecord): Doc {
  const rt = r.rates;
  const mem = ratio(r.memory.usageBytes, r.memory.limitBytes);
  const since = (perSecond: number | undefined) =>
    perSecond === undefined ? undefined : { bytes: Math.round(perSecond * rt!.windowSeconds) };
  return {
    ...(rt ? { cpu: { usage: rt.cpuTotal / rt.onlineCpus } } : {}),
    ...(mem === undefined ? {} : { memory: { usage: mem } }),
    ...(rt && r.network ? { network: { ingress: since(rt.netRxBytes), egress: since(rt.netTxBytes) } } : {}),
    ...(rt && r.blkio ? { disk: { read: since(rt.diskReadBytes), write: since(rt.diskWriteBytes) } } : {}),
  };
}

export function encodeContainerMetric(r: ContainerMetricRecord): Doc {
  const rt = r.rates;
  const pct = (cores: number | undefined) =>
    cores === undefined ? undefined : { pct: cores, norm: { pct: cores / rt!.onlineCpus } };
  const readBytes = sum(r.blkio, (d) => d.readBytes);
  const writeBytes = sum(r.blkio, (d) => d.writeBytes);
  const readOps = sum(r.blkio, (d) => d.readOps);
  const writeOps = sum(r.blkio, (d) => d.writeOps);
  const m = r.memory;
  return {
    docker: {
      cpu: {
        // Metricbeat's pct: share of one core (1 = a full core); norm.pct divides by the host's cores.
        total: { ...pct(rt?.cpuTotal), seconds: r.cpu.usageSeconds },
        user: { ...pct(rt?.cpuUser), seconds: r.cpu.userSeconds },
        kernel: { ...pct(rt?.cpuSystem), seconds: r.cpu.systemSeconds },
        throttling: {
          periods: r.cpu.periods,
          throttled: { periods: r.cpu.throttledPeriods, seconds: r.cpu.throttledSeconds },
        },
        quota: { us: r.spec?.cpuQuotaUs, period_us: r.spec?.cpuPeriodUs },
        shares: r.spec?.cpuShares,
      },
      memory: {
        usage: { total: m.usageBytes, max: m.maxUsageBytes, pct: ratio(m.usageBytes, m.limitBytes) },
        workingset: { total: m.workingSetBytes, pct: ratio(m.workingSetBytes, m.limitBytes) },
        rss: { total: m.rssBytes, pct: ratio(m.rssBytes, m.limitBytes) },
        limit: m.limitBytes,
        fail: { count: m.failcnt },
        stats: {
          cache: m.cacheBytes,
          rss: m.rssBytes,
          swap: m.swapBytes,
          mapped_file: m.mappedFileBytes,
          kernel: m.kernelBytes,
          active_file: m.activeFileBytes,
          inactive_file: m.inactiveFileBytes,
          dirty: m.dirtyBytes,
          writeback: m.writebackBytes,
          pgfault: m.pgfault,
          pgmajfault: m.pgmajfault,
        },
        oom: { kills: r.oomKills, events: r.oomEvents },
      },
      diskio: {
        read: { bytes: readBytes, ops: readOps, rate: rt?.diskReadOps, bytes_rate: rt?.diskReadBytes },
        write: { bytes: writeBytes, ops: writeOps, rate: rt?.diskWriteOps, bytes_rate: rt?.diskWriteBytes },
        summary: {
          bytes: readBytes === undefined ? undefined : readBytes + writeBytes!,
          ops: readOps === undefined ? undefined : readOps + writeOps!,
          rate: rt?.diskReadOps === undefined ? undefined : rt.diskReadOps + (rt.diskWriteOps ?? 0),
        },
        devices: r.blkio?.map((d) => ({
          device: d.device,
          read: { bytes: d.readBytes, ops: d.readOps },
          write: { bytes: d.writeBytes, ops: d.writeOps },
        })),
      },
      ...(r.network
        ? {
            network: {
              // in/out: per second over the last sample (Metricbeat's "stats per second"); inbound/outbound: since start.
              in: {
                bytes: rt?.netRxBytes,
                packets: rt?.netRxPackets,
                errors: rt?.netRxErrors,
                dropped: rt?.netRxDropped,
              },
              out: {
                bytes: rt?.netTxBytes,
                packets: rt?.netTxPackets,
                errors: rt?.netTxErrors,
                dropped: rt?.netTxDropped,
              },
              inbound: {
                bytes: sum(r.network, (i) => i.rxBytes),
                packets: sum(r.network, (i) => i.rxPackets),
                errors: sum(r.network, (i) => i.rxErrors),
                dropped: sum(r.network, (i) => i.rxDropped),
              },
              outbound: {
                bytes: sum(r.network, (i) => i.txBytes),
                packets: sum(r.network, (i) => i.txPackets),
                errors: sum(r.network, (i) => i.txErrors),
                dropped: sum(r.network, (i) => i.txDropped),
              },
              interfaces: r.network.map((i) => ({
                name: i.interface,
                inbound: { bytes: i.rxBytes, packets: i.rxPackets },
                outbound: { bytes: i.txBytes, packets: i.txPackets },
              })),
            },
          }
        : {}),
      pids: r.pids && { current: r.pids.current, limit: r.pids.limit, processes: r.pids.processes },
      pressure: r.psi && {
        cpu: r.psi.cpu && { some: r.psi.cpu.some, full: r.psi.cpu.full },
        memory: r.psi.memory && { some: r.psi.memory.some, full: r.psi.memory.full },
        io: r.psi.io && { some: r.psi.io.some, full: r.psi.io.full },
      },
      container: { status: r.state.status, health: r.state.health, restart_count: r.state.restartCount },
      // Metricbeat's healthcheck metricset, for containers that have a health check.
      healthcheck:
        r.state.health === 'none' ? undefined : { status: r.state.health, failingstreak: r.state.failingStreak },
    },
  };
}

export function encodeHostMetric(r: HostMetricRecord): Doc {
  const h = r.host;
  const mem = h.memory;
  const total = mem.MemTotal;
  const free = mem.MemFree;
  const available = mem.MemAvailable;
  const swapTotal = mem.SwapTotal;
  const swapUsed = swapTotal === undefined ? undefined : swapTotal - (mem.SwapFree ?? 0);
  const modes = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
  return {
    system: {
      // Cumulative seconds summed over CPUs (Metricbeat's .ticks are the same in USER_HZ).
      cpu: {
        cores: h.cpus.length,
        ...Object.fromEntries(modes.map((mo) => [mo, { seconds: h.cpus.reduce((a, c) => a + c[mo], 0) }])),
      },
      load: h.load && {
        1: h.load.load1,
        5: h.load.load5,
        15: h.load.load15,
        cores: h.cpus.length,
        norm: h.cpus.length
          ? { 1: h.load.load1 / h.cpus.length, 5: h.load.load5 / h.cpus.length, 15: h.load.load15 / h.cpus.length }
          : undefined,
      },
      memory: {
        total,
        free,
        used: {
          bytes: total === undefined || free === undefined ? undefined : total - free,
          pct: total && free !== undefined ? (total - free) / total : undefined,
        },
        actual: {
          free: available,
          used: {
            bytes: total === undefined || available === undefined ? undefined : total - available,
            pct: total && available !== undefined ? (total - available) / total : undefined,
          },
        },
        swap: {
          total: swapTotal,
          free: mem.SwapFree,
          used: { bytes: swapUsed, pct: swapTotal ? swapUsed! / swapTotal : undefined },
        },
      },
      uptime: { duration: { ms: h.uptimeSeconds === undefined ? undefined : Math.round(h.uptimeSeconds * 1000) } },
      filesystem: h.filesystems?.map((f) => ({
        device_name: f.device,
        mount_point: f.mountpoint,
        type: f.fstype,
        total: f.sizeBytes,
        free: f.freeBytes,
        available: f.availBytes,
        used: {
          bytes: f.sizeBytes - f.freeBytes,
          pct: f.sizeBytes ? (f.sizeBytes - f.freeBytes) / f.sizeBytes : undefined,
        },
        files: f.files,
        free_files: f.filesFree,
      })),
      diskio: h.disks?.map((d) => ({
        name: d.device,
        read: { count: d.reads, bytes: d.readBytes, time: Math.round(d.readSeconds * 1000) },
        write: { count: d.writes, bytes: d.writtenBytes, time: Math.round(d.writeSeconds * 1000) },
        io: { time: Math.round(d.ioSeconds * 1000), ops: d.ioNow },
      })),
      network: h.network?.map((i) => ({
        name: i.interface,
        in: { bytes: i.rxBytes, packets: i.rxPackets, errors: i.rxErrors, dropped: i.rxDropped },
        out: { bytes: i.txBytes, packets: i.txPackets, errors: i.txErrors, dropped: i.txDropped },
      })),
    },
  };
}
