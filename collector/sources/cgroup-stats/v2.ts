// cgroup v2 reader: a pure function over one container's unified-hierarchy directory.
import { readOptional as read, parseFlatKeyed, parseSingle } from './parse.ts';
import type { CgroupSample } from './sample.ts';

export async function readCgroupV2(dir: string): Promise<CgroupSample> {
  const [cpuStat, memCurrent, memStat, memMax, memPeak, swapCurrent] = await Promise.all([
    read(`${dir}/cpu.stat`),
    read(`${dir}/memory.current`),
    read(`${dir}/memory.stat`),
    read(`${dir}/memory.max`),
    read(`${dir}/memory.peak`),
    read(`${dir}/memory.swap.current`),
  ]);
  if (cpuStat === undefined || memCurrent === undefined) throw new Error(`cgroup v2 files missing under ${dir}`);
  const cpu = parseFlatKeyed(cpuStat);
  const mem = parseFlatKeyed(memStat ?? '');
  const usageBytes = parseSingle(memCurrent) ?? 0;
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
      swapBytes: swapCurrent === undefined ? undefined : parseSingle(swapCurrent),
      mappedFileBytes: mem.get('file_mapped'),
      maxUsageBytes: memPeak === undefined ? undefined : parseSingle(memPeak),
      limitBytes: memMax === undefined ? undefined : parseSingle(memMax),
    },
  };
}
