// The machine's CPU topology (physical cores and sockets, cAdvisor's machine_cpu_physical_cores and
// machine_cpu_sockets), from systeminformation: it knows lscpu's and /proc/cpuinfo's many layouts.
// Read once per process (topology does not change while the host runs); the ~250 ms cost stays off rounds.
import { createRequire } from 'node:module';
import type { Systeminformation } from 'systeminformation';

export type CpuTopology = { physicalCores: number; sockets: number };

/**
 * Its cpu module alone: the package's index loads all 23 of them (750 KB of source kept in memory
 * on every node) for this one call.
 */
const si = createRequire(import.meta.url)('systeminformation/lib/cpu.js') as {
  cpu(): Promise<Systeminformation.CpuData>;
};

/** Undefined when the host does not say (systeminformation answers 0 for what it cannot find). */
export async function readCpuTopology(): Promise<CpuTopology | undefined> {
  const cpu = await si.cpu();
  if (!(cpu.physicalCores > 0) || !(cpu.processors > 0)) return undefined;
  return { physicalCores: cpu.physicalCores, sockets: cpu.processors };
}
