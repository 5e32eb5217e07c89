// The Swarm state source's outer surface: on managers only, each round the leader's snapshot and
// the changes since its last one (swarm-state.ts).
import type { SourceFactory } from '../source.ts';
import { SwarmStateSource } from './swarm-state.ts';

export const swarmStateSource: SourceFactory = (ctx) => {
  const docker = ctx.docker;
  if (!docker?.manager || !docker.swarmNodeId) return undefined;
  const swarm = new SwarmStateSource({ api: docker.api, log: ctx.log, maxTasks: ctx.config.swarmMaxTasks });
  let records = 0;
  return {
    name: 'swarm-state',
    collect: async (time) => {
      const out = await swarm.poll(ctx.node(), time);
      records += out.length;
      return out;
    },
    counters: () => ({
      records,
      errors: swarm.stats.errors,
      rounds: swarm.stats.rounds,
      reports: swarm.stats.reports,
      tasks_omitted: swarm.stats.tasksOmitted,
    }),
    gauges: () => ({ leader: swarm.stats.leader ? 1 : 0 }),
    close: async () => {},
  };
};
