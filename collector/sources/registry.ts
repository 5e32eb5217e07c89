// The collector's sources, in start order. A new source is one folder under collector/sources/
// whose file exports a SourceFactory (see source.ts), plus one line here (README "Architecture").
import type { SourceFactory } from './source.ts';
import { hostSource } from './host/host-source.ts';
import { containerStatsSource } from './cgroup-stats/container-stats-source.ts';
import { swarmStateSource } from './swarm-state/swarm-state-source.ts';
import { containerLogsSource } from './container-logs/container-logs-source.ts';
import { dockerEventsSource } from './docker-events/docker-events-source.ts';

export const SOURCES: readonly SourceFactory[] = [
  hostSource,
  containerStatsSource,
  swarmStateSource,
  containerLogsSource,
  dockerEventsSource,
];
