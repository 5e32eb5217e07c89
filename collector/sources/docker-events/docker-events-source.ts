// The Docker events source's outer surface: the engine's /events stream as event records,
// resumed from a persisted cursor; container events go on to the shared inventory.
import type { SourceFactory } from '../source.ts';
import { DockerEvents } from './docker-events.ts';

export const dockerEventsSource: SourceFactory = (ctx) => {
  const docker = ctx.docker;
  if (!docker || !ctx.config.events.enabled) return undefined;
  const events = new DockerEvents({
    api: docker.api,
    inventory: docker.inventory,
    dataDir: ctx.config.dataDir,
    node: ctx.node,
    emit: ctx.emit,
    ready: ctx.ready,
    log: ctx.log,
    reconcileMs: ctx.config.reconcileIntervalMs,
    backoff: ctx.config.backoff,
  });
  return {
    name: 'docker-events',
    start: () => events.start(),
    counters: () => {
      const s = events.stats;
      return {
        records: s.events + s.reconciled,
        errors: s.reconnects + s.badLines,
        exec_events: s.execEvents,
        reconnects: s.reconnects,
        reconciled: s.reconciled,
        bad_lines: s.badLines,
        pauses: s.pauses,
        cursor_writes: s.cursorWrites,
      };
    },
    close: () => events.close(),
    settle: () => events.settle(),
  };
};
