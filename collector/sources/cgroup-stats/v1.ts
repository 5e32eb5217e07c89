// cgroup v1 reader: a pure function over a container's controller directories (cpuacct, cpu,
// memory, blkio, pids, and the hybrid unified directory for PSI) and a file reader. Finding
// those directories is locate.ts's job; keeping the files open is kept-files.ts's.
import { USER_HZ } from '../../readers/proc-parse.ts';
import type { ReadFn } from '../../readers/kept-files.ts';
import { countLines, parseBlkioV1, parseFlatKeyed, parsePsi, parseSingle, v1Limit } from './parse.ts';
import { psiOf, type CgroupSample } from './sample.ts';

export type V1Dirs = { cpuacct: string; cpu: string; memory: string; blkio?: string; pids?: string; unified?: string };

export function readCgroupV1(dirs: V1Dirs, read: ReadFn): CgroupSample {
  const usage = read(`${dirs.cpuacct}/cpuacct.usage`);
  const memUsage = read(`${dirs.memory}/memory.usage_in_bytes`);
  if (usage === undefined || memUsage === undefined)
    throw new Error(`cgroup v1 files missing under ${dirs.cpuacct} / ${dirs.memory}`);
  const acct = parseFlatKeyed(read(`${dirs.cpuacct}/cpuacct.stat`) ?? '');
  const cpu = parseFlatKeyed(read(`${dirs.cpu}/cpu.stat`) ?? '');
  const mem = parseFlatKeyed(read(`${dirs.memory}/memory.stat`) ?? '');
  const oom = parseFlatKeyed(read(`${dirs.memory}/memory.oom_control`) ?? '');
  const usageBytes = parseSingle(memUsage) ?? 0;
  // Hierarchical (total_*) keys count nested cgroups too; they are what cAdvisor and docker stats use.
  const stat = (key: string) => mem.get(`total_${key}`) ?? mem.get(key);
  const inactiveFile = stat('inactive_file') ?? 0;
  const memsw = parseSingle(read(`${dirs.memory}/memory.memsw.usage_in_bytes`));
  const quota = parseSingle(read(`${dirs.cpu}/cpu.cfs_quota_us`));
  const pidsCurrent = dirs.pids ? parseSingle(read(`${dirs.pids}/pids.current`)) : undefined;
  const blkio = dirs.blkio
    ? parseBlkioV1(
        read(`${dirs.blkio}/blkio.throttle.io_service_bytes_recursive`),
        read(`${dirs.blkio}/blkio.throttle.io_serviced_recursive`),
      )
    : [];
  return {
    cpu: {
      usageSeconds: (parseSingle(usage) ?? 0) / 1e9,
      userSeconds: (acct.get('user') ?? 0) / USER_HZ,
      systemSeconds: (acct.get('system') ?? 0) / USER_HZ,
      periods: cpu.get('nr_periods'),
      throttledPeriods: cpu.get('nr_throttled'),
      throttledSeconds: cpu.has('throttled_time') ? cpu.get('throttled_time')! / 1e9 : undefined,
    },
    memory: {
      usageBytes,
      // cAdvisor's and docker stats' working set: usage minus inactive file pages.
      workingSetBytes: Math.max(0, usageBytes - inactiveFile),
      rssBytes: stat('rss'),
      cacheBytes: stat('cache'),
      swapBytes: memsw === undefined ? stat('swap') : Math.max(0, memsw - usageBytes),
      mappedFileBytes: stat('mapped_file'),
      maxUsageBytes: parseSingle(read(`${dirs.memory}/memory.max_usage_in_bytes`)),
      failcnt: parseSingle(read(`${dirs.memory}/memory.failcnt`)),
      limitBytes: v1Limit(parseSingle(read(`${dirs.memory}/memory.limit_in_bytes`))),
      kernelBytes: parseSingle(read(`${dirs.memory}/memory.kmem.usage_in_bytes`)),
      activeFileBytes: stat('active_file'),
      inactiveFileBytes: stat('inactive_file'),
      dirtyBytes: stat('dirty'),
      writebackBytes: stat('writeback'),
      pgfault: stat('pgfault'),
      pgmajfault: stat('pgmajfault'),
    },
    spec: {
      cpuPeriodUs: parseSingle(read(`${dirs.cpu}/cpu.cfs_period_us`)),
      cpuQuotaUs: quota !== undefined && quota > 0 ? quota : undefined,
      cpuShares: parseSingle(read(`${dirs.cpu}/cpu.shares`)),
      memoryReservationBytes: v1Limit(parseSingle(read(`${dirs.memory}/memory.soft_limit_in_bytes`))),
      memorySwapLimitBytes: v1Limit(parseSingle(read(`${dirs.memory}/memory.memsw.limit_in_bytes`))),
    },
    // oom_kill appeared in oom_control with Linux 4.13; older kernels leave it out.
    oomKills: oom.get('oom_kill'),
    pids:
      pidsCurrent === undefined
        ? undefined
        : {
            current: pidsCurrent,
            limit: parseSingle(read(`${dirs.pids}/pids.max`)),
            processes: countLines(read(`${dirs.cpuacct}/cgroup.procs`)),
          },
    blkio,
    psi: dirs.unified
      ? psiOf(
          parsePsi(read(`${dirs.unified}/cpu.pressure`)),
          parsePsi(read(`${dirs.unified}/memory.pressure`)),
          parsePsi(read(`${dirs.unified}/io.pressure`)),
        )
      : undefined,
  };
}
