// Parsers for the /proc files the host and container sources read (stat, meminfo, loadavg,
// diskstats, net/dev, partitions, uptime). Pure functions over text, tested on fixtures.
import type { HostCpu, HostDisk, NetworkInterface } from '../../common/schema/index.ts';

/** USER_HZ: /proc/stat counts clock ticks, 100 per second on every architecture Docker runs on. */
export const USER_HZ = 100;

const ws = /\s+/;

/** /proc/<pid>/net/dev: per interface rx (8 columns) then tx (8 columns); `all` keeps the columns only hosts report. */
export function parseNetDev(text: string | undefined, all = false): NetworkInterface[] {
  const out: NetworkInterface[] = [];
  for (const line of (text ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(ws)
      .map(Number);
    if (!name || f.length < 16 || f.some((n) => !Number.isFinite(n))) continue;
    out.push({
      interface: name,
      rxBytes: f[0]!,
      rxPackets: f[1]!,
      rxErrors: f[2]!,
      rxDropped: f[3]!,
      txBytes: f[8]!,
      txPackets: f[9]!,
      txErrors: f[10]!,
      txDropped: f[11]!,
      ...(all && {
        rxFifo: f[4]!,
        rxFrame: f[5]!,
        rxCompressed: f[6]!,
        rxMulticast: f[7]!,
        txFifo: f[12]!,
        txColls: f[13]!,
        txCarrier: f[14]!,
        txCompressed: f[15]!,
      }),
    });
  }
  return out;
}

/** /proc/partitions → "major:minor" → device name, for naming blkio devices as cAdvisor does. */
export function parsePartitions(text: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.trim().split(ws);
    if (f.length === 4 && /^\d+$/.test(f[0]!) && /^\d+$/.test(f[1]!)) out.set(`${f[0]}:${f[1]}`, f[3]!);
  }
  return out;
}

export type ProcStat = {
  cpus: HostCpu[];
  bootTimeSeconds?: number;
  contextSwitches?: number;
  forks?: number;
  procsRunning?: number;
  procsBlocked?: number;
  interrupts?: number;
};

/** /proc/stat: per-CPU "cpuN user nice system idle iowait irq softirq steal …" in ticks, plus counters. */
export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { cpus: [] };
  for (const line of text.split('\n')) {
    const f = line.split(ws);
    const key = f[0] ?? '';
    if (key.startsWith('cpu') && key.length > 3) {
      const t = (i: number) => (Number(f[i]) || 0) / USER_HZ;
      out.cpus.push({
        cpu: key.slice(3),
        user: t(1),
        nice: t(2),
        system: t(3),
        idle: t(4),
        iowait: t(5),
        irq: t(6),
        softirq: t(7),
        steal: t(8),
        ...(f.length > 10 && { guest: t(9), guestNice: t(10) }),
      });
    } else {
      // A counter whose value is not a number (a torn or foreign line) is left out, not NaN.
      const field = STAT_COUNTERS[key];
      const n = Number(f[1]);
      if (field && f[1] && Number.isFinite(n)) out[field] = n;
    }
  }
  return out;
}

const STAT_COUNTERS: Record<string, Exclude<keyof ProcStat, 'cpus'> | undefined> = {
  btime: 'bootTimeSeconds',
  ctxt: 'contextSwitches',
  processes: 'forks',
  procs_running: 'procsRunning',
  procs_blocked: 'procsBlocked',
  intr: 'interrupts',
};

/** /proc/meminfo "Key:   123 kB" → bytes by key; unitless lines (HugePages_*) are counts and left out. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+) kB$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

export function parseLoadavg(text: string): { load1: number; load5: number; load15: number } | undefined {
  const [a, b, c] = text.trim().split(ws).map(Number);
  return a === undefined || b === undefined || c === undefined || [a, b, c].some((n) => !Number.isFinite(n))
    ? undefined
    : { load1: a, load5: b, load15: c };
}

/** /proc/uptime "12345.67 23456.78" → seconds since boot. */
export function parseUptime(text: string): number | undefined {
  const n = Number(text.trim().split(ws)[0]);
  return Number.isFinite(n) ? n : undefined;
}

/** node-exporter's default: whole disks only, no partitions, RAM disks or loop devices. */
export const DEFAULT_DISK_EXCLUDE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$/;

/** /proc/diskstats (sectors are 512 bytes, times in ms) → node_disk_* units. */
export function parseDiskstats(text: string, exclude: RegExp = DEFAULT_DISK_EXCLUDE): HostDisk[] {
  const out: HostDisk[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(ws);
    if (f.length < 14) continue;
    const name = f[2]!;
    if (exclude.test(name)) continue;
    const n = (i: number) => Number(f[i]) || 0;
    out.push({
      device: name,
      major: n(0),
      minor: n(1),
      reads: n(3),
      readsMerged: n(4),
      readBytes: n(5) * 512,
      readSeconds: n(6) / 1000,
      writes: n(7),
      writesMerged: n(8),
      writtenBytes: n(9) * 512,
      writeSeconds: n(10) / 1000,
      ioNow: n(11),
      ioSeconds: n(12) / 1000,
      ioWeightedSeconds: n(13) / 1000,
      ...(f.length >= 18 && {
        discards: n(14),
        discardsMerged: n(15),
        discardedSectors: n(16),
        discardSeconds: n(17) / 1000,
      }),
      ...(f.length >= 20 && { flushes: n(18), flushSeconds: n(19) / 1000 }),
    });
  }
  return out;
}
