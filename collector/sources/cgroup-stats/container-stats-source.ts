// The container stats source's outer surface: each round, a metric record per running container of
// the shared inventory (cgroup and network namespace counters) and one inventory record.
import type { SourceFactory } from '../source.ts';
import { ContainerSampler } from './container-sampler.ts';

export const containerStatsSource: SourceFactory = (ctx) => {
  const docker = ctx.docker;
  if (!docker) return undefined;
  const m = ctx.config.metrics;
  const sampler = new ContainerSampler({
    cgroupRoot: ctx.config.cgroupRoot,
    procRoot: ctx.config.procRoot,
    log: ctx.log,
    maxOpenFiles: m.maxOpenFiles,
    networkLoopback: m.networkLoopback,
  });
  let records = 0;
  return {
    name: 'container-stats',
    collect: async (time) => {
      const out = await sampler.sample(ctx.node(), docker.inventory.running(), time, ctx.config.intervalMs);
      records += out.length;
      return out;
    },
    counters: () => ({ records, errors: sampler.readErrors, uncached_file_reads: sampler.budget.uncachedReads }),
    gauges: () => ({ open_files: sampler.budget.open }),
    close: async () => sampler.close(),
  };
};
