// cgroup v1 reader: a pure function over a container's controller directories (cpuacct, cpu,
// memory, …). Finding those directories is locate.ts's job.
import { readOptional as read, parseFlatKeyed, parseSingle, v1Limit } from './parse.ts';
import type { CgroupSample } from './sample.ts';

export type V1Dirs = { cpuacct: string; cpu: string; memory: string; blkio?: string; pids?: string };

/** USER_HZ: cpuacct.stat counts in clock ticks, 100 per second on every Linux architecture Docker runs on. */
const USER_HZ = 100;

export async function readCgroupV1(dirs: V1Dirs): Promise<CgroupSample> {
  const [usage, acctStat, cpuStat, memUsage, memStat, memLimit, memMax, memFailcnt, swapUsage] = await Promise.all([
    read(`${dirs.cpuacct}/cpuacct.usage`),
    read(`${dirs.cpuacct}/cpuacct.stat`),
    read(`${dirs.cpu}/cpu.stat`),
    read(`${dirs.memory}/memory.usage_in_bytes`),
    read(`${dirs.memory}/memory.stat`),
    read(`${dirs.memory}/memory.limit_in_bytes`),
    read(`${dirs.memory}/memory.max_usage_in_bytes`),
    read(`${dirs.memory}/memory.failcnt`),
    read(`${dirs.memory}/memory.memsw.usage_in_bytes`),
  ]);
  if (usage === undefined || memUsage === undefined) throw new Error(`cgroup v1 files missing under ${dirs.cpuacct} / ${dirs.memory}`);
  const acct = parseFlatKeyed(acctStat ?? '');
  const cpu = parseFlatKeyed(cpuStat ?? '');
  const mem = parseFlatKeyed(memStat ?? '');
  const usageBytes = parseSingle(memUsage) ?? 0;
  // cAdvisor's working set: usage minus inactive file pages, hierarchical key on v1.
  const inactiveFile = mem.get('total_inactive_file') ?? mem.get('inactive_file') ?? 0;
  const memsw = swapUsage === undefined ? undefined : parseSingle(swapUsage);
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
      workingSetBytes: Math.max(0, usageBytes - inactiveFile),
      rssBytes: mem.get('total_rss') ?? mem.get('rss'),
      cacheBytes: mem.get('total_cache') ?? mem.get('cache'),
      swapBytes: memsw === undefined ? (mem.get('total_swap') ?? mem.get('swap')) : Math.max(0, memsw - usageBytes),
      mappedFileBytes: mem.get('total_mapped_file') ?? mem.get('mapped_file'),
      maxUsageBytes: memMax === undefined ? undefined : parseSingle(memMax),
      failcnt: memFailcnt === undefined ? undefined : parseSingle(memFailcnt),
      limitBytes: v1Limit(memLimit === undefined ? undefined : parseSingle(memLimit)),
    },
  };
}
