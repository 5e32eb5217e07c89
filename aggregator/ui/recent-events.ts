// The UI's recent events: Docker container events (start, die with exit code, oom, health) and the
// Swarm's changes (task failed, node down, update steps), newest last, in a ring of a fixed size
// (the oldest fall off; a full history is in Elasticsearch or the journal). A re-sent record counts once.
import type { EventRecord, SwarmChangeRecord, WireRecord } from '../../common/schema/index.ts';
import type { UiEvent } from './ui-api.ts';

export const RECENT_EVENTS_MAX = 2000;

/** Docker actions worth showing a person; attach/exec/top chatter is left out. */
const SHOWN = /^(create|start|restart|die|kill|oom|stop|destroy|health_status|pause|unpause)/;

export class RecentEvents {
  private readonly ring: UiEvent[] = [];
  private readonly ids = new Set<string>();
  private readonly max: number;

  constructor(max = RECENT_EVENTS_MAX) {
    this.max = max;
  }

  observe(records: readonly WireRecord[]): void {
    for (const r of records) {
      const e =
        r.kind === 'event' ? fromDocker(r) : r.kind === 'swarm' && r.type === 'change' ? fromSwarm(r) : undefined;
      if (!e || this.ids.has(e.id)) continue;
      this.ids.add(e.id);
      // Kept in time order: records of several nodes arrive interleaved, mostly in order.
      let i = this.ring.length;
      while (i > 0 && this.ring[i - 1]!.time > e.time) i--;
      this.ring.splice(i, 0, e);
      if (this.ring.length > this.max) this.ids.delete(this.ring.shift()!.id);
    }
  }

  /** Newest last; `limit` from the end. */
  list(filter?: (e: UiEvent) => boolean, limit = 200): UiEvent[] {
    const out: UiEvent[] = [];
    for (let i = this.ring.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.ring[i]!;
      if (!filter || filter(e)) out.push(e);
    }
    return out.reverse();
  }
}

function fromDocker(r: EventRecord): UiEvent | undefined {
  if (r.type !== 'container' || !SHOWN.test(r.action)) return undefined;
  const a = r.actor.attributes;
  const name = r.container?.name ?? a.name ?? r.actor.id.slice(0, 12);
  const labels = r.container?.labels ?? a;
  const exit = r.exitCode ?? (a.exitCode !== undefined ? Number(a.exitCode) : undefined);
  return {
    id: r.id,
    time: r.time,
    source: 'docker',
    action: r.action.split(':')[0]!,
    text: `${name}: ${r.action}${exit !== undefined && r.action === 'die' ? ` (exit ${exit})` : ''}`,
    hostname: r.node.hostname,
    nodeId: r.node.id,
    containerId: r.container?.id ?? r.actor.id,
    containerName: name,
    service: labels['com.docker.swarm.service.name'],
    serviceId: labels['com.docker.swarm.service.id'],
    ...(exit !== undefined && Number.isFinite(exit) ? { exitCode: exit } : {}),
  };
}

function fromSwarm(r: SwarmChangeRecord): UiEvent {
  const c = r.body;
  const what = c.task
    ? `task ${c.service?.name ?? ''}${c.task.slot !== undefined ? `.${c.task.slot}` : ''} ${c.task.state}${
        c.task.exitCode !== undefined ? ` (exit ${c.task.exitCode})` : ''
      }${c.task.error ? `: ${c.task.error}` : ''}`
    : c.action.startsWith('node_') || c.action.startsWith('manager_')
      ? `node ${c.node?.hostname ?? ''}: ${c.from ?? '?'} → ${c.to ?? c.action}`
      : `service ${c.service?.name ?? ''}: ${c.action.replace('_', ' ')}${c.message ? ` (${c.message})` : ''}`;
  return {
    id: r.id,
    time: c.at,
    source: 'swarm',
    action: c.action,
    text: what,
    hostname: c.node?.hostname ?? '',
    nodeId: c.node?.id ?? '',
    ...(c.task?.containerId ? { containerId: c.task.containerId } : {}),
    ...(c.service ? { service: c.service.name, serviceId: c.service.id } : {}),
    ...(c.task?.exitCode !== undefined ? { exitCode: c.task.exitCode } : {}),
  };
}
