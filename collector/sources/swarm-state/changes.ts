// Transitions worth an event, read off successive snapshots: task failures (with error and exit
// code), node status/availability/reachability changes, rolling update and rollback steps. Pure.
// Each change's key comes from what the engine recorded (ids, states, the engine's timestamps), so
// any manager that reports the same transition, now or after a failover, produces the same key.
import type {
  SwarmChange,
  SwarmChangeAction,
  SwarmNode,
  SwarmService,
  SwarmSnapshot,
} from '../../../common/schema/index.ts';

export type KeyedChange = { key: string; change: SwarmChange };

const UPDATE_ACTIONS: Record<string, SwarmChangeAction> = {
  updating: 'update_started',
  paused: 'update_paused',
  completed: 'update_completed',
  rollback_started: 'rollback_started',
  rollback_paused: 'rollback_paused',
  rollback_completed: 'rollback_completed',
};

const NODE_STATUS: Record<string, SwarmChangeAction> = {
  down: 'node_down',
  disconnected: 'node_down',
  ready: 'node_up',
};
const NODE_AVAILABILITY: Record<string, SwarmChangeAction> = {
  drain: 'node_drained',
  pause: 'node_paused',
  active: 'node_active',
};

/**
 * The changes `next` shows against `prev`. Without a `prev` (first look, or a fresh leader) only
 * states that are themselves news are reported: failed tasks, nodes down/drained/paused, managers
 * unreachable, and each service's current update state; their keys match what the previous
 * reporter sent for the same transition, so Elasticsearch keeps one.
 */
export function detectChanges(prev: SwarmSnapshot | undefined, next: SwarmSnapshot, seenAt: string): KeyedChange[] {
  const out: KeyedChange[] = [];
  const services = new Map(next.services.map((s) => [s.id, s]));
  const nodes = new Map(next.nodes.map((n) => [n.id, n]));
  const prevTasks = new Map(prev?.tasks.map((t) => [t.id, t]) ?? []);
  const nodeRef = (id: string) => (id ? { node: { id, hostname: nodes.get(id)?.hostname ?? id } } : {});
  const serviceRef = (s: SwarmService | undefined, id: string) => ({
    service: { id, name: s?.name ?? id, stack: s?.stack ?? '' },
  });

  for (const t of next.tasks) {
    if (t.state !== 'failed' && t.state !== 'rejected') continue;
    if (prevTasks.get(t.id)?.state === t.state) continue;
    const s = services.get(t.serviceId);
    out.push({
      key: `task|${t.id}|${t.state}|${t.timestamp}`,
      change: {
        action: t.state === 'failed' ? 'task_failed' : 'task_rejected',
        at: t.timestamp,
        ...serviceRef(s, t.serviceId),
        task: {
          id: t.id,
          ...(t.slot !== undefined ? { slot: t.slot } : {}),
          state: t.state,
          ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
          ...(t.error ? { error: t.error } : {}),
          ...(t.containerId ? { containerId: t.containerId } : {}),
        },
        ...nodeRef(t.nodeId),
        ...(t.message ? { message: t.message } : {}),
      },
    });
  }

  const prevNodes = new Map(prev?.nodes.map((n) => [n.id, n]) ?? []);
  for (const n of next.nodes) {
    const p = prevNodes.get(n.id);
    const nodeChange = (
      aspect: string,
      action: SwarmChangeAction | undefined,
      from: string | undefined,
      to: string,
    ) => {
      if (action)
        out.push({
          key: `node|${n.id}|${aspect}|${to}|${n.updatedAt}`,
          change: { action, at: n.updatedAt, node: { id: n.id, hostname: n.hostname }, ...(from ? { from } : {}), to },
        });
    };
    // With a previous look any difference is a transition; without one only an abnormal state is news.
    const moved = (was: string | undefined, is: string, normal: string) =>
      was === undefined ? is !== normal : was !== is;
    if (moved(p?.status, n.status, 'ready')) nodeChange('status', NODE_STATUS[n.status], p?.status, n.status);
    if (moved(p?.availability, n.availability, 'active'))
      nodeChange('availability', NODE_AVAILABILITY[n.availability], p?.availability, n.availability);
    if (n.manager && moved(p?.manager?.reachability, n.manager.reachability, 'reachable'))
      nodeChange(
        'reachability',
        managerAction(n.manager.reachability),
        p?.manager?.reachability,
        n.manager.reachability,
      );
  }

  const prevServices = new Map(prev?.services.map((s) => [s.id, s]) ?? []);
  for (const s of next.services) {
    const u = s.update;
    if (!u) continue;
    const p = prevServices.get(s.id)?.update;
    if (p && p.state === u.state && p.startedAt === u.startedAt) continue;
    const action = UPDATE_ACTIONS[u.state];
    if (!action) continue;
    const done = u.state.endsWith('completed');
    out.push({
      key: `update|${s.id}|${u.state}|${u.startedAt ?? ''}|${done ? (u.completedAt ?? '') : ''}`,
      change: {
        action,
        at: (done ? u.completedAt : u.startedAt) ?? seenAt,
        ...serviceRef(s, s.id),
        ...(p ? { from: p.state } : {}),
        to: u.state,
        ...(u.message ? { message: u.message } : {}),
      },
    });
  }
  return out;
}

function managerAction(reachability: string): SwarmChangeAction | undefined {
  if (reachability === 'reachable') return 'manager_reachable';
  if (reachability === 'unreachable') return 'manager_unreachable';
  return undefined;
}

/** The leader among the nodes, if this snapshot names one. */
export function leaderOf(nodes: readonly SwarmNode[]): SwarmNode | undefined {
  return nodes.find((n) => n.manager?.leader);
}
