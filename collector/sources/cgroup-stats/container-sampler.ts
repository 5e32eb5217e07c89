// One sampling round over the node's running containers: read each one's cgroup and network
// namespace counters through kept-open files (located once per container, not per sample), turn
// them into metric records with per-second rates over the previous sample, plus one inventory
// record naming the live set. Container metadata comes from docker-inventory, never from here.
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type {
  BlkioDevice,
  ContainerMetricRecord,
  ContainerRates,
  InventoryRecord,
  NetworkInterface,
  NodeRef,
} from '../../../common/schema/index.ts';
import { recordId } from '../../../common/record-id.ts';
import type { Logger } from '../../../common/logger.ts';
import type { ContainerInfo } from '../../docker-inventory.ts';
import { parseNetDev } from '../../readers/proc-parse.ts';
import { detectCgroupVersion, locateCgroup, type CgroupLocation } from './locate.ts';
import { FdBudget, KeptFiles } from '../../readers/kept-files.ts';
import { DeviceNames } from './device-names.ts';
import { readCgroupV1 } from './v1.ts';
import { readCgroupV2 } from './v2.ts';
import type { CgroupSample } from './sample.ts';

export type ContainerSamplerOptions = {
  cgroupRoot: string;
  procRoot?: string;
  log: Logger;
  /** Bound on descriptors kept open across samples (about 20 per container). */
  maxOpenFiles?: number;
  /** Report the loopback interface too (cAdvisor and docker stats leave it out). */
  networkLoopback?: boolean;
};

/** Cumulative counters of the previous sample, for rates. */
type Totals = {
  timeMs: number;
  cpu: number;
  user: number;
  system: number;
  rb: number;
  wb: number;
  ro: number;
  wo: number;
  net: number[];
};

type Tracked = { loc: CgroupLocation; files: KeptFiles; pid: number; prev?: Totals };

type Reading = { c: ContainerInfo; sample: CgroupSample; network: NetworkInterface[] | undefined };

/** Containers read between yields to the event loop (reads are synchronous preads). */
const YIELD_EVERY = 32;

export class ContainerSampler {
  private version: 1 | 2 | undefined;
  private readonly tracked = new Map<string, Tracked>();
  private readonly unreadable = new Set<string>();
  private readonly cgroupRoot: string;
  private readonly procRoot: string;
  private readonly log: Logger;
  private readonly networkLoopback: boolean;
  private readonly onlineCpus = Math.max(1, cpus().length);
  readonly budget: FdBudget;
  private readonly devices: DeviceNames;
  /** Containers whose cgroup could not be found or read, counted per round; for self-monitoring. */
  readErrors = 0;

  constructor(opts: ContainerSamplerOptions) {
    this.cgroupRoot = opts.cgroupRoot;
    this.procRoot = opts.procRoot ?? '/proc';
    this.log = opts.log;
    this.networkLoopback = opts.networkLoopback ?? false;
    this.budget = new FdBudget(opts.maxOpenFiles ?? 8192);
    this.devices = new DeviceNames(this.procRoot);
  }

  async sample(
    node: NodeRef,
    containers: ContainerInfo[],
    time: Date,
    intervalMs: number,
  ): Promise<Array<ContainerMetricRecord | InventoryRecord>> {
    this.version ??= await detectCgroupVersion(this.cgroupRoot);
    const iso = time.toISOString();
    const nodeKey = node.id || node.hostname;
    const live = new Set(containers.map((c) => c.ref.id));
    for (const [id, t] of this.tracked) {
      if (!live.has(id)) {
        t.files.close();
        this.tracked.delete(id);
        this.unreadable.delete(id);
      }
    }
    await Promise.all(containers.map((c) => this.track(c)));

    const readings: Reading[] = [];
    let n = 0;
    for (const c of containers) {
      const r = this.read(c);
      if (r) readings.push(r);
      if (++n % YIELD_EVERY === 0) await yieldToLoop();
    }
    await this.devices.refresh(readings.flatMap((r) => r.sample.blkio.map((d) => `${d.major}:${d.minor}`)));

    const records: Array<ContainerMetricRecord | InventoryRecord> = [];
    for (const { c, sample, network } of readings) {
      const blkio: BlkioDevice[] = sample.blkio.map((d) => ({ device: this.devices.name(d.major, d.minor), ...d }));
      records.push({
        kind: 'metric',
        scope: 'container',
        id: recordId(nodeKey, 'metric', c.ref.id, time.getTime()),
        time: iso,
        node,
        container: c.ref,
        state: c.state,
        cpu: sample.cpu,
        memory: sample.memory,
        spec: sample.spec,
        oomKills: sample.oomKills,
        oomEvents: sample.oomEvents,
        pids: sample.pids,
        blkio,
        network,
        psi: sample.psi,
        rates: this.rates(c.ref.id, time.getTime(), sample, network),
      });
    }
    records.push({
      kind: 'inventory',
      id: recordId(nodeKey, 'inventory', time.getTime()),
      time: iso,
      node,
      intervalMs,
      containerIds: [...live],
    });
    return records;
  }

  /** Finds a new (or restarted) container's cgroup once; later samples reuse the location and open files. */
  private async track(c: ContainerInfo): Promise<void> {
    const known = this.tracked.get(c.ref.id);
    if (known && known.pid === c.pid) return;
    known?.files.close();
    this.tracked.delete(c.ref.id);
    const loc = await locateCgroup(this.cgroupRoot, this.version!, c.ref.id, c.cgroupParent);
    if (loc) this.tracked.set(c.ref.id, { loc, files: new KeptFiles(this.budget), pid: c.pid, prev: known?.prev });
  }

  private read(c: ContainerInfo): Reading | undefined {
    const t = this.tracked.get(c.ref.id);
    if (!t) return this.fail(c, 'no cgroup directory found');
    try {
      const sample =
        t.loc.version === 1 ? readCgroupV1(t.loc.dirs, t.files.read) : readCgroupV2(t.loc.dir, t.files.read);
      this.unreadable.delete(c.ref.id);
      return { c, sample, network: this.network(c, t) };
    } catch (err) {
      // The cgroup went away under us (container stopped or restarted): locate it afresh next round.
      t.files.close();
      this.tracked.delete(c.ref.id);
      return this.fail(c, (err as Error).message);
    }
  }

  /** The container's own network namespace counters; none for host-network containers (they would be the host's). */
  private network(c: ContainerInfo, t: Tracked): NetworkInterface[] | undefined {
    if (c.networkMode === 'host' || c.pid <= 0) return undefined;
    let text: string | undefined;
    try {
      text = t.files.read(`${this.procRoot}/${c.pid}/net/dev`);
    } catch {
      return undefined; // the process is gone; the next inventory refresh has its new pid
    }
    const all = parseNetDev(text);
    return this.networkLoopback ? all : all.filter((i) => i.interface !== 'lo');
  }

  private rates(
    id: string,
    timeMs: number,
    s: CgroupSample,
    network: NetworkInterface[] | undefined,
  ): ContainerRates | undefined {
    const t = this.tracked.get(id);
    if (!t) return undefined;
    const sum = (k: 'readBytes' | 'writeBytes' | 'readOps' | 'writeOps') => s.blkio.reduce((a, d) => a + d[k], 0);
    const netKeys = [
      'rxBytes',
      'txBytes',
      'rxPackets',
      'txPackets',
      'rxErrors',
      'txErrors',
      'rxDropped',
      'txDropped',
    ] as const;
    const now: Totals = {
      timeMs,
      cpu: s.cpu.usageSeconds,
      user: s.cpu.userSeconds ?? 0,
      system: s.cpu.systemSeconds ?? 0,
      rb: sum('readBytes'),
      wb: sum('writeBytes'),
      ro: sum('readOps'),
      wo: sum('writeOps'),
      net: netKeys.map((k) => (network ?? []).reduce((a, i) => a + i[k], 0)),
    };
    const prev = t.prev;
    t.prev = now;
    const dt = prev ? (timeMs - prev.timeMs) / 1000 : 0;
    // A counter that went backwards means the cgroup was recreated: no rate for this window.
    if (!prev || dt <= 0 || now.cpu < prev.cpu || now.rb < prev.rb || now.wb < prev.wb) return undefined;
    const rate = (a: number, b: number) => Math.max(0, (a - b) / dt);
    const net = network
      ? Object.fromEntries(
          netKeys.map((k, i) => [`net${k[0]!.toUpperCase()}${k.slice(1)}`, rate(now.net[i]!, prev.net[i]!)]),
        )
      : {};
    return {
      windowSeconds: dt,
      onlineCpus: this.onlineCpus,
      cpuTotal: rate(now.cpu, prev.cpu),
      cpuUser: rate(now.user, prev.user),
      cpuSystem: rate(now.system, prev.system),
      diskReadBytes: rate(now.rb, prev.rb),
      diskWriteBytes: rate(now.wb, prev.wb),
      diskReadOps: rate(now.ro, prev.ro),
      diskWriteOps: rate(now.wo, prev.wo),
      ...net,
    };
  }

  /** Logs a container's unreadable cgroup once (not every round), counts every miss. */
  private fail(c: ContainerInfo, why: string): undefined {
    this.readErrors++;
    if (!this.unreadable.has(c.ref.id)) {
      this.unreadable.add(c.ref.id);
      // A container that exited since the inventory listed it has no cgroup left: that is no fault.
      const exited = c.pid <= 0 || !existsSync(`${this.procRoot}/${c.pid}`);
      this.log[exited ? 'debug' : 'warn'](
        { container: c.ref.name, id: c.ref.id, cgroupRoot: this.cgroupRoot, why, exited },
        'cannot read container cgroup; mount the host cgroup tree (SWARMSCOPE_CGROUP_ROOT)',
      );
    }
    return undefined;
  }

  /** Gives back every kept descriptor. */
  close(): void {
    for (const t of this.tracked.values()) t.files.close();
    this.tracked.clear();
  }
}
