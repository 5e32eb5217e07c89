// Host metrics for one node: CPU, load, memory, disks, network, kernel counters (kernel-counters.ts)
// and interface attributes (net-class.ts) from /proc and /sys every round; filesystems and what the
// host is (system-info.ts) at a slower cadence. One HostMetricRecord per round, under
// node-exporter's vocabulary downstream.
import type {
  HostFilesystem,
  HostMetricRecord,
  HostReaderStat,
  HostSystem,
  NodeRef,
} from '../../../common/schema/index.ts';
import type { Logger } from '../../../common/logger.ts';
import { recordId } from '../../../common/record-id.ts';
import { FdBudget, KeptFiles } from '../../readers/kept-files.ts';
import { parseMountinfo, statFilesystems } from './filesystems.ts';
import { readExporterProcess } from './exporter-process.ts';
import { readKernelCounters } from './kernel-counters.ts';
import { readNetClass } from './net-class.ts';
import {
  parseDiskstats,
  parseLoadavg,
  parseMeminfo,
  parseNetDev,
  parseProcStat,
  parseUptime,
} from '../../readers/proc-parse.ts';
import { readSystem } from './system-info.ts';
import { readCpuTopology } from './cpu-topology.ts';
import type { CpuTopology } from './cpu-topology.ts';

export type HostSamplerOptions = {
  procRoot: string;
  /** Where the host's /sys is ('/sys' on the host, '/host/sys' in the stack). */
  sysRoot?: string;
  /** Where the host's root filesystem is ('/' on the host, '/host/root' in the stack). */
  hostRoot?: string;
  /** Prepended to reported mountpoints ('/rootfs' reproduces swarmprom's node-exporter). */
  mountpointPrefix?: string;
  filesystemIntervalMs: number;
  log: Logger;
  now?: () => number;
};

/** Kept-open /proc files of the host source (its own budget: ~25 files). */
const HOST_FILES = 48;

export class HostSampler {
  private readonly opts: Required<Omit<HostSamplerOptions, 'now' | 'log'>>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly files = new KeptFiles(new FdBudget(HOST_FILES));
  private filesystems: HostFilesystem[] | undefined;
  private system: HostSystem | undefined;
  private slowReadAt = -Infinity;
  private fsPending: Promise<void> | undefined;
  private fsStat: HostReaderStat | undefined;
  private cpuTopology: Promise<CpuTopology | undefined> | undefined;
  /** Failed reads (a /proc file or the filesystem listing), for self-monitoring. */
  readErrors = 0;

  constructor(opts: HostSamplerOptions) {
    this.opts = {
      procRoot: opts.procRoot,
      sysRoot: opts.sysRoot ?? '/sys',
      hostRoot: opts.hostRoot ?? '/',
      mountpointPrefix: opts.mountpointPrefix ?? '',
      filesystemIntervalMs: opts.filesystemIntervalMs,
    };
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
  }

  async sample(node: NodeRef, time: Date): Promise<HostMetricRecord> {
    this.cpuTopology ??= readCpuTopology().catch((err: unknown) => {
      this.readErrors++;
      this.log.warn({ err: (err as Error).message }, 'cannot read the CPU topology; machine_cpu_sockets is left out');
      return undefined;
    });
    this.refreshSlow(node);
    // Never wait for statfs on later rounds; the first record waits so it carries filesystems.
    if (!this.filesystems && this.fsPending) await this.fsPending;
    const p = this.opts.procRoot;
    const readers: HostReaderStat[] = [];
    const timed = <T>(collector: string, f: () => T, ok: (v: T) => boolean = (v) => v !== undefined): T => {
      const t0 = performance.now();
      const v = f();
      readers.push({ collector, seconds: (performance.now() - t0) / 1000, success: ok(v) });
      return v;
    };
    const statText = timed('stat', () => this.read(`${p}/stat`));
    const stat = parseProcStat(statText ?? '');
    const uptime = this.read(`${p}/uptime`);
    const loadavg = timed('loadavg', () => this.read(`${p}/loadavg`));
    const meminfo = timed('meminfo', () => this.read(`${p}/meminfo`));
    const diskstats = timed('diskstats', () => this.read(`${p}/diskstats`));
    // PID 1's namespace is the host's even when this process runs in a container with the host /proc mounted.
    const netdev = timed('netdev', () => this.read(`${p}/1/net/dev`) ?? this.read(`${p}/net/dev`));
    const t0 = performance.now();
    const k = readKernelCounters(p, (path) => this.read(path), meminfo);
    const kernelSeconds = (performance.now() - t0) / 1000 / Math.max(1, Object.keys(k.outcomes).length);
    for (const [collector, success] of Object.entries(k.outcomes))
      readers.push({ collector, seconds: kernelSeconds, success });
    const netDevices = timed(
      'netclass',
      () => readNetClass(this.opts.sysRoot),
      (v) => v.length > 0,
    );
    if (this.fsStat) readers.push(this.fsStat);
    return {
      kind: 'metric',
      scope: 'host',
      id: recordId(node.id || node.hostname, 'host', time.getTime()),
      time: time.toISOString(),
      node,
      host: {
        cpus: stat.cpus,
        load: loadavg === undefined ? undefined : parseLoadavg(loadavg),
        memory: parseMeminfo(meminfo ?? ''),
        bootTimeSeconds: stat.bootTimeSeconds,
        uptimeSeconds: uptime === undefined ? undefined : parseUptime(uptime),
        contextSwitches: stat.contextSwitches,
        forks: stat.forks,
        procsRunning: stat.procsRunning,
        procsBlocked: stat.procsBlocked,
        interrupts: stat.interrupts,
        filesystems: this.filesystems,
        disks: diskstats === undefined ? undefined : parseDiskstats(diskstats),
        network: netdev === undefined ? undefined : parseNetDev(netdev, true),
        kernel: k.kernel,
        netDevices,
        softnet: k.softnet,
        arp: k.arp,
        system: this.system && { ...this.system, cpuTopology: await this.cpuTopology },
        readers,
        exporter: readExporterProcess(stat.bootTimeSeconds),
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

  /** Filesystems (statfs of every mount) and the host's identity, every filesystemIntervalMs. */
  private refreshSlow(node: NodeRef): void {
    if (this.fsPending || this.now() - this.slowReadAt < this.opts.filesystemIntervalMs) return;
    this.slowReadAt = this.now();
    const { procRoot, hostRoot, mountpointPrefix } = this.opts;
    try {
      this.system = readSystem(this.opts, node.hostname);
    } catch (err) {
      this.readErrors++;
      this.log.warn({ err: (err as Error).message }, 'cannot read the host system identity');
    }
    const t0 = performance.now();
    const mountinfo = this.read(`${procRoot}/1/mountinfo`) ?? this.read(`${procRoot}/self/mountinfo`);
    this.fsPending = statFilesystems(parseMountinfo(mountinfo ?? ''), hostRoot, mountpointPrefix)
      .then((fs) => {
        this.filesystems = fs;
        this.fsStat = {
          collector: 'filesystem',
          seconds: (performance.now() - t0) / 1000,
          success: mountinfo !== undefined,
        };
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
