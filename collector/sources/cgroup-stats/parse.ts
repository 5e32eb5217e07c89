// Parsers for the kernel's cgroup file formats: flat keyed ("key value" per line), nested keyed
// (PSI, io.stat), v1 blkio tables and single values. Pure functions over text so that fixtures in
// the exact kernel formats test them.
import type { Psi } from '../../../common/schema/index.ts';

/** "key value\n" lines → map (cpu.stat, memory.stat, memory.events, cpuacct.stat, oom_control). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** A single integer, or undefined for "max" (v2's unlimited) and absent files. */
export function parseSingle(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === 'max' || t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** v1 reports "unlimited" as a huge page-rounded number (≥ 2^62); treat it as no limit. */
export function v1Limit(value: number | undefined): number | undefined {
  return value === undefined || value >= 2 ** 62 ? undefined : value;
}

/** Lines of cgroup.procs: the container's processes (threads are in pids.current). */
export function countLines(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** "some avg10=0.00 avg60=0.00 avg300=0.00 total=16320\nfull …": totals in µs → seconds. */
export function parsePsi(text: string | undefined): Psi | undefined {
  if (!text) return undefined;
  let some: Psi['some'] | undefined;
  let full: Psi['full'];
  for (const line of text.split('\n')) {
    const [kind, ...fields] = line.split(' ');
    if (kind !== 'some' && kind !== 'full') continue;
    const f: Record<string, number> = {};
    for (const kv of fields) {
      const eq = kv.indexOf('=');
      // A field cut short or garbled (a read racing the kernel) counts as absent, never NaN.
      const n = Number(kv.slice(eq + 1));
      if (eq > 0 && Number.isFinite(n)) f[kv.slice(0, eq)] = n;
    }
    const entry = {
      avg10: f.avg10 ?? 0,
      avg60: f.avg60 ?? 0,
      avg300: f.avg300 ?? 0,
      totalSeconds: (f.total ?? 0) / 1e6,
    };
    if (kind === 'some') some = entry;
    else full = entry;
  }
  return some ? { some, ...(full ? { full } : {}) } : undefined;
}

export type DeviceIo = {
  major: number;
  minor: number;
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
};

function device(map: Map<string, DeviceIo>, key: string): DeviceIo | undefined {
  let d = map.get(key);
  if (!d) {
    const colon = key.indexOf(':');
    const major = Number(key.slice(0, colon));
    const minor = Number(key.slice(colon + 1));
    if (colon <= 0 || !Number.isInteger(major) || !Number.isInteger(minor)) return undefined;
    d = { major, minor, readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0 };
    map.set(key, d);
  }
  return d;
}

/** v1 blkio.throttle.io_service_bytes + io_serviced ("8:0 Read 4096" lines; "Total N" last). */
export function parseBlkioV1(bytesText: string | undefined, opsText: string | undefined): DeviceIo[] {
  const map = new Map<string, DeviceIo>();
  const fill = (text: string | undefined, read: 'readBytes' | 'readOps', write: 'writeBytes' | 'writeOps') => {
    for (const line of (text ?? '').split('\n')) {
      const [key, op, value] = line.split(' ');
      if (op !== 'Read' && op !== 'Write') continue;
      const d = device(map, key!);
      if (d) d[op === 'Read' ? read : write] = Number(value) || 0;
    }
  };
  fill(bytesText, 'readBytes', 'writeBytes');
  fill(opsText, 'readOps', 'writeOps');
  return [...map.values()];
}

/** v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device. */
export function parseIoStat(text: string | undefined): DeviceIo[] {
  const map = new Map<string, DeviceIo>();
  for (const line of (text ?? '').split('\n')) {
    const [key, ...fields] = line.split(' ');
    if (!key || !fields.length) continue;
    const d = device(map, key);
    if (!d) continue;
    for (const kv of fields) {
      const eq = kv.indexOf('=');
      const v = Number(kv.slice(eq + 1)) || 0;
      switch (kv.slice(0, eq)) {
        case 'rbytes':
          d.readBytes = v;
          break;
        case 'wbytes':
          d.writeBytes = v;
          break;
        case 'rios':
          d.readOps = v;
          break;
        case 'wios':
          d.writeOps = v;
          break;
      }
    }
  }
  return [...map.values()];
}

/** v2 cpu.max: "max 100000" (no quota) or "50000 100000" → quota and period in µs. */
export function parseCpuMax(text: string | undefined): { quotaUs?: number; periodUs?: number } {
  if (!text) return {};
  const [quota, period] = text.trim().split(' ');
  const periodUs = Number(period);
  const quotaUs = Number(quota);
  return {
    quotaUs: quota === 'max' || !Number.isFinite(quotaUs) ? undefined : quotaUs,
    periodUs: Number.isFinite(periodUs) ? periodUs : undefined,
  };
}

/** v2 cpu.weight (1..10000) back to v1 shares, the inverse of runc's shares→weight mapping (as cAdvisor does). */
export function weightToShares(weight: number | undefined): number | undefined {
  return weight === undefined ? undefined : Math.round(2 + ((weight - 1) * 262142) / 9999);
}
