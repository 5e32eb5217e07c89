// Host metrics for one node: CPU, load, memory, swap, disks, network, boot time and context
// switches from /proc (kept-open files, every round), filesystems at a slower cadence
// (filesystems.ts). One HostMetricRecord per round, under node-exporter's vocabulary downstream.
import type { HostFilesystem, HostMetricRecord, NodeRef } from '../../../common/schema/index.ts';
import type { Logger } from '../../../common/logger.ts';
import { recordId } from '../../../common/record-id.ts';
import { FdBudget, KeptFiles } from '../cgroup-stats/kept-files.ts';
import { readFilesystems } from './filesystems.ts';
import { parseDiskstats, parseLoadavg, parseMeminfo, parseNetDev, parseProcStat, parseUptime } from './proc-parse.ts';

export type HostSamplerOptions = { procRoot: string; filesystemIntervalMs: number; log: Logger; now?: () => number };

export class HostSampler {
  private readonly procRoot: string;
  private readonly fsIntervalMs: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly files = new KeptFiles(new FdBudget(16));
  private filesystems: HostFilesystem[] | undefined;
  private fsReadAt = -Infinity;
  private fsPending: Promise<void> | undefined;
  /** Failed reads (a /proc file or the filesystem listing), for self-monitoring. */
  readErrors = 0;

  constructor(opts: HostSamplerOptions) {
    this.procRoot = opts.procRoot;
    this.fsIntervalMs = opts.filesystemIntervalMs;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
  }

  async sample(node: NodeRef, time: Date): Promise<HostMetricRecord> {
    this.refreshFilesystems();
    // Never wait for df on later rounds; the first record waits so it carries filesystems.
    if (!this.filesystems && this.fsPending) await this.fsPending;
    const p = this.procRoot;
    const stat = parseProcStat(this.read(`${p}/stat`) ?? '');
    const uptime = this.read(`${p}/uptime`);
    const loadavg = this.read(`${p}/loadavg`);
    const diskstats = this.read(`${p}/diskstats`);
    // PID 1's namespace is the host's even when this process runs in a container with the host /proc mounted.
    const netdev = this.read(`${p}/1/net/dev`) ?? this.read(`${p}/net/dev`);
    return {
      kind: 'metric',
      scope: 'host',
      id: recordId(node.id || node.hostname, 'host', time.getTime()),
      time: time.toISOString(),
      node,
      host: {
        cpus: stat.cpus,
        load: loadavg === undefined ? undefined : parseLoadavg(loadavg),
        memory: parseMeminfo(this.read(`${p}/meminfo`) ?? ''),
        bootTimeSeconds: stat.bootTimeSeconds,
        uptimeSeconds: uptime === undefined ? undefined : parseUptime(uptime),
        contextSwitches: stat.contextSwitches,
        forks: stat.forks,
        procsRunning: stat.procsRunning,
        procsBlocked: stat.procsBlocked,
        filesystems: this.filesystems,
        disks: diskstats === undefined ? undefined : parseDiskstats(diskstats),
        network: netdev === undefined ? undefined : parseNetDev(netdev),
      },
    };
  }

  private read(path: string): string | undefined {
    try {
      return this.files.read(path);
    } catch (err) {
      this.readErrors++;
      this.log.debug({ path, err: (err as Error).message }, 'cannot read host file');
      return undefined;
    }
  }

  private refreshFilesystems(): void {
    if (this.fsPending || this.now() - this.fsReadAt < this.fsIntervalMs) return;
    this.fsReadAt = this.now();
    this.fsPending = readFilesystems()
      .then((fs) => {
        this.filesystems = fs;
      })
      .catch((err: Error) => {
        this.readErrors++;
        this.log.warn({ err: err.message }, 'cannot list filesystems');
        this.filesystems ??= [];
      })
      .finally(() => {
        this.fsPending = undefined;
      });
  }

  /** Waits for a pending filesystem listing and gives back the kept descriptors. */
  async close(): Promise<void> {
    await this.fsPending;
    this.files.close();
  }
}
