// The collector's own process as node-exporter reports its own (process_* series): CPU, memory,
// descriptors and their limits, start time. Read from /proc/self, which is this process wherever it runs.
import { readdirSync, readFileSync } from 'node:fs';
import type { HostSample } from '../../../common/schema/index.ts';

/** /proc/<pid>/limits "Max open files  1024  4096  files" → the soft limit; -1 for unlimited. */
export function parseLimit(limits: string, name: string): number {
  const line = limits.split('\n').find((l) => l.startsWith(name));
  const soft = line?.slice(name.length).trim().split(/\s+/)[0];
  return soft === undefined || soft === 'unlimited' ? -1 : Number(soft);
}

export function readExporterProcess(bootTimeSeconds: number | undefined): HostSample['exporter'] {
  try {
    const cpu = process.cpuUsage();
    // /proc/self/stat: fields after the command's closing parenthesis; vsize is field 23, starttime 22 (ticks).
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const limits = readFileSync('/proc/self/limits', 'utf8');
    return {
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      residentBytes: process.memoryUsage.rss(),
      virtualBytes: Number(f[20]),
      virtualMaxBytes: parseLimit(limits, 'Max address space'),
      openFds: readdirSync('/proc/self/fd').length,
      maxFds: parseLimit(limits, 'Max open files'),
      startTimeSeconds: (bootTimeSeconds ?? 0) + Number(f[19]) / 100,
    };
  } catch {
    return undefined; // not Linux /proc: left out
  }
}
