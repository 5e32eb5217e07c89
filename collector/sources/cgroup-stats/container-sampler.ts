// One sampling round over the node's running containers: read each one's cgroup (locations
// cached per container), and turn the readings into metric records plus one inventory record.
import type { ContainerMetricRecord, InventoryRecord, NodeRef } from '../../../common/schema/index.ts';
import { recordId } from '../../../common/record-id.ts';
import type { Logger } from '../../../common/logger.ts';
import type { ContainerInfo } from '../docker-inventory/inventory.ts';
import { detectCgroupVersion, locateCgroup, type CgroupLocation } from './locate.ts';
import { readCgroupV1 } from './v1.ts';
import { readCgroupV2 } from './v2.ts';
import type { CgroupSample } from './sample.ts';

export class ContainerSampler {
  private version: 1 | 2 | undefined;
  private readonly locations = new Map<string, CgroupLocation>();
  private readonly unreadable = new Set<string>();
  private readonly cgroupRoot: string;
  private readonly log: Logger;
  /** Containers whose cgroup could not be found or read, by id; counted for self-monitoring. */
  readErrors = 0;

  constructor(opts: { cgroupRoot: string; log: Logger }) {
    this.cgroupRoot = opts.cgroupRoot;
    this.log = opts.log;
  }

  async sample(node: NodeRef, containers: ContainerInfo[], time: Date, intervalMs: number): Promise<Array<ContainerMetricRecord | InventoryRecord>> {
    this.version ??= await detectCgroupVersion(this.cgroupRoot);
    const iso = time.toISOString();
    const nodeKey = node.id || node.hostname;
    const records: Array<ContainerMetricRecord | InventoryRecord> = [];
    const live = new Set<string>();
    await Promise.all(
      containers.map(async (c) => {
        live.add(c.ref.id);
        const reading = await this.read(c);
        if (!reading) return;
        records.push({
          kind: 'metric',
          scope: 'container',
          id: recordId(nodeKey, 'metric', c.ref.id, time.getTime()),
          time: iso,
          node,
          container: c.ref,
          state: c.state,
          ...reading,
        });
      }),
    );
    for (const id of this.locations.keys()) if (!live.has(id)) this.locations.delete(id);
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

  private async read(c: ContainerInfo): Promise<CgroupSample | undefined> {
    let loc = this.locations.get(c.ref.id);
    if (!loc) {
      loc = await locateCgroup(this.cgroupRoot, this.version!, c.ref.id, c.cgroupParent);
      if (!loc) return this.fail(c, 'no cgroup directory found');
      this.locations.set(c.ref.id, loc);
    }
    try {
      const sample = loc.version === 1 ? await readCgroupV1(loc.dirs) : await readCgroupV2(loc.dir);
      this.unreadable.delete(c.ref.id);
      return sample;
    } catch (err) {
      this.locations.delete(c.ref.id);
      return this.fail(c, (err as Error).message);
    }
  }

  /** Logs a container's unreadable cgroup once (not every round), counts every miss. */
  private fail(c: ContainerInfo, why: string): undefined {
    this.readErrors++;
    if (!this.unreadable.has(c.ref.id)) {
      this.unreadable.add(c.ref.id);
      this.log.warn({ container: c.ref.name, id: c.ref.id, cgroupRoot: this.cgroupRoot, why }, 'cannot read container cgroup; mount the host cgroup tree (SWARMSCOPE_CGROUP_ROOT)');
    }
    return undefined;
  }
}
