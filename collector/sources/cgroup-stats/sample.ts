// What one cgroup reading yields, independent of cgroup version; the readers fill it.
import type { ContainerSpec, CpuSample, MemorySample, Psi } from '../../../common/schema/index.ts';
import type { DeviceIo } from './parse.ts';

export type CgroupSample = {
  cpu: CpuSample;
  memory: MemorySample;
  spec: ContainerSpec;
  oomKills?: number;
  oomEvents?: number;
  pids?: { current: number; limit?: number; processes?: number };
  /** Per device, named by major:minor; the sampler gives them names. */
  blkio: DeviceIo[];
  psi?: { cpu?: Psi; memory?: Psi; io?: Psi };
};

/** PSI of the three resources, or undefined when the kernel gives none (v1 without a unified mount). */
export function psiOf(cpu: Psi | undefined, memory: Psi | undefined, io: Psi | undefined): CgroupSample['psi'] {
  return cpu || memory || io ? { ...(cpu && { cpu }), ...(memory && { memory }), ...(io && { io }) } : undefined;
}
