// What one cgroup reading yields, independent of cgroup version; the readers fill it.
import type { BlkioDevice, CpuSample, MemorySample, Psi } from '../../../common/schema/index.ts';

export type CgroupSample = {
  cpu: CpuSample;
  memory: MemorySample;
  oomKills?: number;
  oomEvents?: number;
  pids?: { current: number; limit?: number };
  blkio?: BlkioDevice[];
  psi?: { cpu?: Psi; memory?: Psi; io?: Psi };
};
