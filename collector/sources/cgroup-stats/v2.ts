// cgroup v2 reader: a pure function over one container's unified-hierarchy directory and a file
// reader (fixture trees in the kernel's exact formats test it; kept-files.ts reads live ones).
import type { ReadFn } from '../../readers/kept-files.ts';
import {
  countLines,
  parseCpuMax,
  parseFlatKeyed,
  parseIoStat,
  parsePsi,
  parseSingle,
  weightToShares,
} from './parse.ts';
import { psiOf, type CgroupSample } from './sample.ts';

export function readCgroupV2(dir: string, read: ReadFn): CgroupSample {
  const cpuStat = read(`${dir}/cpu.stat`);
  const memCurrent = read(`${dir}/memory.current`);
  if (cpuStat === undefined || memCurrent === undefined) throw new Error(`cgroup v2 files missing under ${dir}`);
  const cpu = parseFlatKeyed(cpuStat);
  const mem = parseFlatKeyed(read(`${dir}/memory.stat`) ?? '');
  const events = parseFlatKeyed(read(`${dir}/memory.events`) ?? '');
  const cpuMax = parseCpuMax(read(`${dir}/cpu.max`));
  const usageBytes = parseSingle(memCurrent) ?? 0;
  const pidsCurrent = parseSingle(read(`${dir}/pids.current`));
  // Newer kernels sum kernel memory as "kernel"; older ones only give its parts.
  const kernel =
    mem.get('kernel') ??
    (mem.has('slab')
      ? (mem.get('slab') ?? 0) + (mem.get('kernel_stack') ?? 0) + (mem.get('sock') ?? 0) + (mem.get('pagetables') ?? 0)
      : undefined);
  return {
    cpu: {
      usageSeconds: (cpu.get('usage_usec') ?? 0) / 1e6,
      userSeconds: (cpu.get('user_usec') ?? 0) / 1e6,
      systemSeconds: (cpu.get('system_usec') ?? 0) / 1e6,
      periods: cpu.get('nr_periods'),
      throttledPeriods: cpu.get('nr_throttled'),
      throttledSeconds: cpu.has('throttled_usec') ? cpu.get('throttled_usec')! / 1e6 : undefined,
    },
    memory: {
      usageBytes,
      workingSetBytes: Math.max(0, usageBytes - (mem.get('inactive_file') ?? 0)),
      rssBytes: mem.get('anon'),
      cacheBytes: mem.get('file'),
      swapBytes: parseSingle(read(`${dir}/memory.swap.current`)),
      mappedFileBytes: mem.get('file_mapped'),
      maxUsageBytes: parseSingle(read(`${dir}/memory.peak`)),
      // v2 has no failcnt; cAdvisor reports memory.events "max" (times the limit was hit) in its place.
      failcnt: events.get('max'),
      limitBytes: parseSingle(read(`${dir}/memory.max`)),
      kernelBytes: kernel,
      activeFileBytes: mem.get('active_file'),
      inactiveFileBytes: mem.get('inactive_file'),
      dirtyBytes: mem.get('file_dirty'),
      writebackBytes: mem.get('file_writeback'),
      pgfault: mem.get('pgfault'),
      pgmajfault: mem.get('pgmajfault'),
    },
    spec: {
      cpuPeriodUs: cpuMax.periodUs,
      cpuQuotaUs: cpuMax.quotaUs,
      cpuShares: weightToShares(parseSingle(read(`${dir}/cpu.weight`))),
      // Docker maps --memory-reservation to memory.low on v2.
      memoryReservationBytes: parseSingle(read(`${dir}/memory.low`)) || undefined,
      memorySwapLimitBytes: parseSingle(read(`${dir}/memory.swap.max`)),
    },
    oomKills: events.get('oom_kill'),
    oomEvents: events.get('oom'),
    pids:
      pidsCurrent === undefined
        ? undefined
        : {
            current: pidsCurrent,
            limit: parseSingle(read(`${dir}/pids.max`)),
            processes: countLines(read(`${dir}/cgroup.procs`)),
          },
    blkio: parseIoStat(read(`${dir}/io.stat`)),
    psi: psiOf(
      parsePsi(read(`${dir}/cpu.pressure`)),
      parsePsi(read(`${dir}/memory.pressure`)),
      parsePsi(read(`${dir}/io.pressure`)),
    ),
  };
}
