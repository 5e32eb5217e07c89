// The Swarm's own state as swarmscope_* series (services, tasks, nodes, managers, updates), one
// row per series, rebuilt at every scrape from the newest snapshot; a removed service or node
// vanishes with the next snapshot. Label values are names the cluster already bounds.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { SwarmSnapshot } from '../../../common/schema/index.ts';
import type { SwarmView } from './swarm-view.ts';

type Sample = { labels: Record<string, string>; value: number };
type Row = { name: string; help: string; labels: string[]; samples: (s: SwarmSnapshot) => Iterable<Sample> };

/** Task states that mean "this task is doing its job" for a global service's presence. */
const RUNNING = 'running';

export const SWARM_SERIES: Row[] = [
  {
    name: 'swarmscope_service_replicas_desired',
    help: 'Tasks the service should run (replicas, or eligible nodes for a global service), as the engine reports it.',
    labels: ['service', 'stack', 'mode'],
    samples: (s) =>
      s.services.map((v) => ({ labels: { service: v.name, stack: v.stack, mode: v.mode }, value: v.desired })),
  },
  {
    name: 'swarmscope_service_replicas_running',
    help: 'Tasks of the service running now, as the engine reports it.',
    labels: ['service', 'stack', 'mode'],
    samples: (s) =>
      s.services.map((v) => ({ labels: { service: v.name, stack: v.stack, mode: v.mode }, value: v.running })),
  },
  {
    name: 'swarmscope_service_info',
    help: 'Always 1: a service, its id, mode and image.',
    labels: ['service', 'stack', 'service_id', 'mode', 'image'],
    samples: (s) =>
      s.services.map((v) => ({
        labels: { service: v.name, stack: v.stack, service_id: v.id, mode: v.mode, image: v.image },
        value: 1,
      })),
  },
  {
    name: 'swarmscope_service_tasks',
    help: 'Tasks of the service the engine retains (its task history limit applies), by current state.',
    labels: ['service', 'stack', 'state'],
    samples: function* (s) {
      const names = new Map(s.services.map((v) => [v.id, v]));
      const counts = new Map<string, Sample>();
      for (const t of s.tasks) {
        const svc = names.get(t.serviceId);
        if (!svc) continue;
        const key = `${t.serviceId}|${t.state}`;
        const c = counts.get(key) ?? { labels: { service: svc.name, stack: svc.stack, state: t.state }, value: 0 };
        c.value++;
        counts.set(key, c);
      }
      yield* counts.values();
    },
  },
  {
    name: 'swarmscope_service_global_present',
    help: 'A global service on a node it is scheduled on: 1 when its task there runs, 0 when it does not.',
    labels: ['service', 'stack', 'node', 'node_id'],
    samples: function* (s) {
      const hosts = new Map(s.nodes.map((n) => [n.id, n.hostname]));
      const present = new Map<string, Sample>();
      for (const v of s.services) {
        if (v.mode !== 'global') continue;
        // The orchestrator gives every eligible node a task meant to run: that is where the service belongs.
        for (const t of s.tasks) {
          // A replacement waiting out its restart delay is desired 'ready': the node still expects the service.
          if (t.serviceId !== v.id || (t.desiredState !== RUNNING && t.desiredState !== 'ready') || !t.nodeId) continue;
          const key = `${v.id}|${t.nodeId}`;
          const prev = present.get(key);
          const value = t.state === RUNNING ? 1 : 0;
          if (!prev || value > prev.value)
            present.set(key, {
              labels: { service: v.name, stack: v.stack, node: hosts.get(t.nodeId) ?? t.nodeId, node_id: t.nodeId },
              value,
            });
        }
      }
      yield* present.values();
    },
  },
  {
    name: 'swarmscope_service_update_state',
    help: "Always 1, labelled with the service's rolling update state (updating, paused, completed, rollback_started, rollback_paused, rollback_completed).",
    labels: ['service', 'stack', 'state'],
    samples: (s) =>
      s.services.flatMap((v) =>
        v.update ? [{ labels: { service: v.name, stack: v.stack, state: v.update.state }, value: 1 }] : [],
      ),
  },
  {
    name: 'swarmscope_task_last_exit_code',
    help: 'Exit code of the newest failed task per service slot (replicated) or node (global).',
    labels: ['service', 'stack', 'slot', 'node', 'node_id'],
    samples: function* (s) {
      const svcs = new Map(s.services.map((v) => [v.id, v]));
      const hosts = new Map(s.nodes.map((n) => [n.id, n.hostname]));
      const newest = new Map<string, { at: string; sample: Sample }>();
      for (const t of s.tasks) {
        const svc = svcs.get(t.serviceId);
        if (!svc || t.state !== 'failed' || t.exitCode === undefined) continue;
        const slot = t.slot !== undefined ? String(t.slot) : '';
        const key = `${t.serviceId}|${slot || t.nodeId}`;
        const prev = newest.get(key);
        if (prev && prev.at >= t.timestamp) continue;
        const labels = {
          service: svc.name,
          stack: svc.stack,
          slot,
          node: hosts.get(t.nodeId) ?? t.nodeId,
          node_id: t.nodeId,
        };
        newest.set(key, { at: t.timestamp, sample: { labels, value: t.exitCode } });
      }
      for (const n of newest.values()) yield n.sample;
    },
  },
  {
    name: 'swarmscope_node_up',
    help: '1 when the Swarm reports the node ready, 0 otherwise.',
    labels: ['node', 'node_id', 'role'],
    samples: (s) =>
      s.nodes.map((n) => ({
        labels: { node: n.hostname, node_id: n.id, role: n.role },
        value: n.status === 'ready' ? 1 : 0,
      })),
  },
  {
    name: 'swarmscope_node_status',
    help: "Always 1, labelled with the node's status (ready, down, unknown, disconnected).",
    labels: ['node', 'node_id', 'role', 'status'],
    samples: (s) =>
      s.nodes.map((n) => ({ labels: { node: n.hostname, node_id: n.id, role: n.role, status: n.status }, value: 1 })),
  },
  {
    name: 'swarmscope_node_availability',
    help: "Always 1, labelled with the node's availability (active, pause, drain).",
    labels: ['node', 'node_id', 'role', 'availability'],
    samples: (s) =>
      s.nodes.map((n) => ({
        labels: { node: n.hostname, node_id: n.id, role: n.role, availability: n.availability },
        value: 1,
      })),
  },
  {
    name: 'swarmscope_node_info',
    help: 'Always 1: a node, its role, engine version and address.',
    labels: ['node', 'node_id', 'role', 'engine_version', 'address'],
    samples: (s) =>
      s.nodes.map((n) => ({
        labels: { node: n.hostname, node_id: n.id, role: n.role, engine_version: n.engineVersion, address: n.address },
        value: 1,
      })),
  },
  {
    name: 'swarmscope_node_leader',
    help: '1 for the manager that leads the Raft quorum, 0 for the other managers.',
    labels: ['node', 'node_id'],
    samples: (s) =>
      s.nodes.flatMap((n) =>
        n.manager ? [{ labels: { node: n.hostname, node_id: n.id }, value: n.manager.leader ? 1 : 0 }] : [],
      ),
  },
  {
    name: 'swarmscope_manager_reachable',
    help: '1 when a manager is reachable by the others, 0 otherwise (one series per manager).',
    labels: ['node', 'node_id'],
    samples: (s) =>
      s.nodes.flatMap((n) =>
        n.manager
          ? [{ labels: { node: n.hostname, node_id: n.id }, value: n.manager.reachability === 'reachable' ? 1 : 0 }]
          : [],
      ),
  },
];

/**
 * `exposed` says whether this replica exposes the cluster-wide state now (exactly one replica does:
 * see ownership.ts). A series about a node also carries `instance` (its node id), as every node-level
 * series does, so `on(instance)` joins reach it.
 */
export function registerSwarmMetrics(registry: Registry, view: SwarmView, exposed: () => boolean = () => true): void {
  const current = () => (exposed() ? view.current() : undefined);
  for (const row of SWARM_SERIES) {
    const perNode = row.labels.includes('node_id');
    new Gauge({
      name: row.name,
      help: row.help,
      labelNames: perNode ? [...row.labels, 'instance'] : row.labels,
      registers: [registry],
      collect() {
        this.reset();
        const s = current();
        if (s)
          for (const { labels, value } of row.samples(s.body))
            this.set(perNode ? { ...labels, instance: labels.node_id! } : labels, value);
      },
    });
  }
  new Gauge({
    name: 'swarmscope_swarm_snapshot_timestamp_seconds',
    help: 'When the reporting manager (the leader) took the Swarm snapshot the series above come from.',
    labelNames: ['node', 'node_id', 'instance'],
    registers: [registry],
    collect() {
      this.reset();
      const s = current();
      if (s)
        this.set(
          { node: s.node.hostname, node_id: s.node.id, instance: s.node.id || s.node.hostname },
          Date.parse(s.time) / 1000,
        );
    },
  });
  new Counter({
    name: 'swarmscope_service_task_failures_total',
    help: 'Tasks seen failed or rejected, per service, counted once per task (restart loops show as its rate).',
    labelNames: ['service', 'stack'],
    registers: [registry],
    collect() {
      this.reset();
      if (!exposed()) return;
      const s = view.current();
      const live = s ? new Set(s.body.services.map((v) => v.id)) : undefined;
      // Every live service has the series from the start, so its first failure is an increase.
      for (const v of s?.body.services ?? [])
        if (!view.failures.has(v.id)) this.inc({ service: v.name, stack: v.stack }, 0);
      for (const [id, f] of view.failures) {
        // A removed service's counter goes with it; the bound on services is the cluster's own.
        if (live && !live.has(id)) view.failures.delete(id);
        else this.inc({ service: f.service, stack: f.stack }, f.count);
      }
    },
  });
}
