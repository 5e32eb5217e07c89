// The container log source's outer surface: created from the agent's context, told of container
// events and lists by the shared inventory, counters reported the common way. The reading itself
// is container-logs.ts.
import type { Source, SourceFactory } from '../source.ts';
import { ContainerLogs } from './container-logs.ts';

export type ContainerLogsSource = Source & { readonly logs: ContainerLogs };

export const containerLogsSource: SourceFactory = (ctx) => {
  const docker = ctx.docker;
  if (!docker || !ctx.config.logs.enabled) return undefined;
  const logs = new ContainerLogs({
    api: docker.api,
    dockerRoot: docker.dockerRoot,
    dataDir: ctx.config.dataDir,
    node: ctx.node,
    emit: ctx.emit,
    emitEach: ctx.emitEach,
    ready: ctx.ready,
    log: ctx.log,
    ...ctx.config.logs,
  });
  docker.inventory.subscribe({
    containerEvent: (id, action) => logs.onContainerEvent(id, action),
    listed: (list) => void logs.reconcile(list.map((c) => c.Id)),
  });
  const source: ContainerLogsSource = {
    name: 'container-logs',
    logs,
    start: () => logs.start(),
    counters: () => {
      const l = logs.snapshot();
      return {
        records: l.records,
        errors: l.readErrors,
        bytes_read: l.bytesRead,
        bad_lines: l.badLines,
        truncated: l.truncated,
        json_errors: l.jsonErrors,
        unwatched_containers: l.unwatched,
        pauses: l.pauses,
        checkpoint_writes: l.checkpointWrites,
        partial_lost_lines: l.partialLostLines,
        unproven_boundaries: l.unprovenBoundaries,
        lost_generations: l.lostGenerations,
        lost_bytes: l.lostBytes,
      };
    },
    gauges: () => {
      const l = logs.snapshot();
      return { tailers: l.tailers, api_readers: l.apiReaders, open_files: l.openFiles };
    },
    close: () => logs.close(),
  };
  return source;
};
