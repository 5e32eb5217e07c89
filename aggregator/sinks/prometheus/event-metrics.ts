// Docker events as Prometheus counters, counted once per event when its batch is accepted:
// every event by type and action per node, and container exits, OOM kills, restarts and health
// transitions with the Swarm labels cAdvisor uses (service and stack, never per-container ids,
// so series stay bounded however many containers come and go).
import { Counter, type Registry } from 'prom-client';
import type { EventRecord, WireRecord } from '../../../common/schema/index.ts';

const SERVICE = 'container_label_com_docker_swarm_service_name';
const STACK = 'container_label_com_docker_stack_namespace';

/** Event ids already counted: a batch retried after a lost acknowledgement is not counted twice. */
const SEEN_MAX = 20_000;

export type EventMetrics = { observe: (records: readonly WireRecord[]) => void };

export function registerEventMetrics(registry: Registry): EventMetrics {
  const all = new Counter({
    name: 'swarmscope_docker_events_total',
    help: 'Docker events received, by node, type and action (action without its detail: health_status, exec_start, …).',
    labelNames: ['node', 'type', 'action'],
    registers: [registry],
  });
  const lifecycle = new Counter({
    name: 'swarmscope_container_events_total',
    help: 'Container lifecycle events (die, oom, kill, restart, start, health_status_healthy, health_status_unhealthy, …) by node, Swarm service and stack.',
    labelNames: ['node', 'action', SERVICE, STACK],
    registers: [registry],
  });
  const exits = new Counter({
    name: 'swarmscope_container_exits_total',
    help: 'Container exits (die events) by node, Swarm service, stack and exit code.',
    labelNames: ['node', 'exit_code', SERVICE, STACK],
    registers: [registry],
  });
  const oom = new Counter({
    name: 'swarmscope_container_oom_kills_total',
    help: 'Containers killed by the kernel OOM killer (oom events), by node, Swarm service and stack.',
    labelNames: ['node', SERVICE, STACK],
    registers: [registry],
  });
  const seen = new Set<string>();

  const count = (r: EventRecord) => {
    const colon = r.action.indexOf(':');
    const action = colon === -1 ? r.action : r.action.slice(0, colon);
    const node = r.node.hostname;
    all.inc({ node, type: r.type, action });
    if (r.type !== 'container') return;
    const labels = r.container?.labels ?? {};
    const swarm = {
      [SERVICE]: labels['com.docker.swarm.service.name'] ?? '',
      [STACK]: labels['com.docker.stack.namespace'] ?? '',
    };
    const detailed =
      action === 'health_status' && colon !== -1 ? `health_status_${r.action.slice(colon + 1).trim()}` : action;
    lifecycle.inc({ node, action: detailed, ...swarm });
    if (action === 'die') exits.inc({ node, exit_code: String(r.exitCode ?? ''), ...swarm });
    if (action === 'oom') oom.inc({ node, ...swarm });
  };

  return {
    observe(records) {
      for (const r of records) {
        if (r.kind !== 'event' || seen.has(r.id)) continue;
        seen.add(r.id);
        if (seen.size > SEEN_MAX) seen.delete(seen.values().next().value!);
        count(r);
      }
    },
  };
}
