// The host source's outer surface: one HostMetricRecord per round from /proc (host-sampler.ts),
// unless SWARMSCOPE_HOST_METRICS=false.
import type { SourceFactory } from '../source.ts';
import { HostSampler } from './host-sampler.ts';

export const hostSource: SourceFactory = (ctx) => {
  if (!ctx.config.metrics.host) return undefined;
  const sampler = new HostSampler({
    procRoot: ctx.config.procRoot,
    sysRoot: ctx.config.metrics.sysRoot,
    hostRoot: ctx.config.metrics.hostRoot,
    mountpointPrefix: ctx.config.metrics.mountpointPrefix,
    filesystemIntervalMs: ctx.config.metrics.filesystemIntervalMs,
    log: ctx.log,
  });
  let records = 0;
  return {
    name: 'host',
    collect: async (time) => {
      records++;
      return [await sampler.sample(ctx.node(), time)];
    },
    counters: () => ({ records, errors: sampler.readErrors }),
    close: () => sampler.close(),
  };
};
