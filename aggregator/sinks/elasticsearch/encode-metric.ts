// Container metric records → Metricbeat docker module fields (docker.cpu.*, docker.memory.*,
// docker.diskio.*, docker.network.*), cumulative values as the cgroup gives them.
import type { ContainerMetricRecord } from '../../../common/schema/index.ts';
import type { Doc } from './encode-common.ts';

export function encodeContainerMetric(r: ContainerMetricRecord): Doc {
  return {
    docker: {
      cpu: {
        total: { seconds: r.cpu.usageSeconds },
        user: { seconds: r.cpu.userSeconds },
        system: { seconds: r.cpu.systemSeconds },
        throttling: { periods: r.cpu.periods, throttled: { periods: r.cpu.throttledPeriods, seconds: r.cpu.throttledSeconds } },
      },
      memory: {
        usage: { total: r.memory.usageBytes, max: r.memory.maxUsageBytes },
        workingset: r.memory.workingSetBytes,
        rss: { total: r.memory.rssBytes },
        cache: r.memory.cacheBytes,
        swap: r.memory.swapBytes,
        limit: r.memory.limitBytes,
        fail: { count: r.memory.failcnt },
      },
      container: { status: r.state.status, health: r.state.health, restart_count: r.state.restartCount },
    },
  };
}
