// The whole cluster as the UI shows it, merged from every replica's part (pure): nodes (Swarm
// role/status beside collector freshness and host load), services (desired vs running, update
// state, tasks by state), the visualizer's task cards, and the attention list, most urgent first.
import type { SwarmTask } from '../../common/schema/index.ts';
import type { Part } from './part.ts';
import type {
  Attention,
  ClusterView,
  ContainerSummary,
  NodeRow,
  PartStatus,
  ServiceRow,
  TaskCard,
  UiEvent,
} from './ui-api.ts';

/** A collector not heard from for this long is "silent" (three default sampling intervals). */
export const SILENT_AFTER_MS = 30_000;
/** Failed tasks stay on the visualizer and count in the attention list for this long. */
export const RECENT_FAILURE_MS = 5 * 60_000;

export type PartResult = { replica: string; part?: Part; error?: string; fetchedAtMs: number };

const shortImage = (image: string) => image.replace(/@sha256:[0-9a-f]+$/, '');

export function buildClusterView(
  results: readonly PartResult[],
  alerts: ClusterView['alerts'],
  now: number,
): ClusterView {
  const parts: PartStatus[] = results.map((r) => ({
    replica: r.replica,
    ok: r.part !== undefined,
    ...(r.error ? { error: r.error } : {}),
    ageMs: r.part ? Math.max(0, now - r.part.generatedAtMs) : Math.max(0, now - r.fetchedAtMs),
    nodes: r.part?.nodes.length ?? 0,
  }));
  // A node in two parts (ownership just moved): the freshest report wins.
  const collected = new Map<string, { n: Part['nodes'][number]; replica: string }>();
  let swarm: Part['swarm'];
  for (const r of results) {
    if (!r.part) continue;
    for (const n of r.part.nodes) {
      const prev = collected.get(n.key);
      if (!prev || prev.n.lastSeenMs < n.lastSeenMs) collected.set(n.key, { n, replica: r.replica });
    }
    if (r.part.swarm && (!swarm || swarm.time < r.part.swarm.time)) swarm = r.part.swarm;
  }
  const containers = [...collected.values()].flatMap((c) => c.n.containers);
  const byContainer = new Map(containers.map((c) => [c.id, c]));
  const snap = swarm?.snapshot;

  const nodes: NodeRow[] = [];
  const seen = new Set<string>();
  const nodeRow = (
    sw: NonNullable<typeof snap>['nodes'][number] | undefined,
    c: { n: Part['nodes'][number]; replica: string } | undefined,
  ): NodeRow => {
    const age = c ? Math.max(0, now - c.n.lastSeenMs) : null;
    return {
      id: sw?.id ?? c?.n.nodeId ?? '',
      hostname: sw?.hostname ?? c?.n.hostname ?? '',
      role: sw?.role ?? '',
      availability: sw?.availability ?? '',
      status: sw?.status ?? (c ? 'reporting' : 'unknown'),
      leader: sw?.manager?.leader ?? false,
      reachability: sw?.manager?.reachability ?? '',
      engine: sw?.engineVersion ?? '',
      address: sw?.address ?? '',
      cpus: c?.n.cpus ?? 0,
      cpuUsed: c?.n.cpuUsed ?? null,
      memTotal: c?.n.memTotal ?? null,
      memUsed: c?.n.memUsed ?? null,
      diskTotal: c?.n.diskTotal ?? null,
      diskUsed: c?.n.diskUsed ?? null,
      collectorAgeMs: age,
      collector: age === null ? 'none' : age > SILENT_AFTER_MS ? 'silent' : 'ok',
      replica: c?.replica ?? '',
      containers: c?.n.containers.length ?? 0,
    };
  };
  for (const sw of snap?.nodes ?? []) {
    const c = collected.get(sw.id);
    seen.add(sw.id);
    nodes.push(nodeRow(sw, c));
  }
  for (const [key, c] of collected) if (!seen.has(key)) nodes.push(nodeRow(undefined, c));
  nodes.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));

  const serviceName = new Map(snap?.services.map((s) => [s.id, s.name]) ?? []);
  const tasks = currentTasks(snap?.tasks ?? [], now).map((t): TaskCard => {
    const c = t.containerId ? byContainer.get(t.containerId) : undefined;
    return {
      id: t.id,
      serviceId: t.serviceId,
      service: serviceName.get(t.serviceId) ?? t.serviceId,
      slot: t.slot !== undefined ? String(t.slot) : '',
      nodeId: t.nodeId,
      state: t.state,
      desiredState: t.desiredState,
      timestamp: t.timestamp,
      message: t.message ?? '',
      error: t.error ?? '',
      exitCode: t.exitCode ?? null,
      containerId: t.containerId ?? '',
      containerName: c?.name ?? '',
      image: c ? shortImage(c.image) : '',
      health: c?.health ?? '',
      cpu: c?.cpu ?? null,
      mem: c?.mem ?? null,
    };
  });

  const services: ServiceRow[] = (snap?.services ?? []).map((s) => {
    const mine = (snap?.tasks ?? []).filter((t) => t.serviceId === s.id);
    const byState: Record<string, number> = {};
    for (const t of mine)
      if (t.desiredState !== 'shutdown' || isRecent(t, now)) byState[t.state] = (byState[t.state] ?? 0) + 1;
    const image = shortImage(s.image);
    return {
      id: s.id,
      name: s.name,
      stack: s.stack,
      mode: s.mode,
      image,
      desired: s.desired,
      running: s.running,
      update: s.update,
      tasks: byState,
      recentFailures: mine.filter((t) => (t.state === 'failed' || t.state === 'rejected') && isRecent(t, now)).length,
      updated: tasks.filter((t) => t.serviceId === s.id && t.state === 'running' && t.image === image).length,
    };
  });
  services.sort((a, b) => a.name.localeCompare(b.name));

  return {
    generatedAtMs: now,
    parts,
    swarm: { present: snap !== undefined, time: swarm?.time ?? null },
    nodes,
    services,
    tasks,
    containers,
    attention: attentionList(nodes, services, containers, results, alerts, now),
    alerts,
    events: mergeEvents(results),
  };
}

function isRecent(t: SwarmTask, now: number): boolean {
  return now - Date.parse(t.timestamp) < RECENT_FAILURE_MS;
}

/** The visualizer's cards: every task meant to run, plus failures of the last minutes. */
function currentTasks(all: readonly SwarmTask[], now: number): SwarmTask[] {
  return all
    .filter(
      (t) =>
        t.desiredState === 'running' ||
        t.desiredState === 'ready' ||
        ((t.state === 'failed' || t.state === 'rejected') && isRecent(t, now)),
    )
    .sort((a, b) => (a.slot ?? 0) - (b.slot ?? 0) || b.timestamp.localeCompare(a.timestamp));
}

function attentionList(
  nodes: NodeRow[],
  services: ServiceRow[],
  containers: ContainerSummary[],
  results: readonly PartResult[],
  alerts: ClusterView['alerts'],
  now: number,
): Attention[] {
  const out: Attention[] = [];
  const add = (severity: Attention['severity'], kind: string, text: string, href: string) =>
    out.push({ severity, kind, text, href });
  for (const r of results)
    if (!r.part) add('critical', 'replica', `aggregator replica ${r.replica} did not answer: ${r.error ?? ''}`, '/');
  for (const a of alerts.firing)
    add(a.severity === 'critical' ? 'critical' : 'warning', 'alert', `alert ${a.name}: ${a.summary}`, '/');
  for (const n of nodes) {
    const href = `/node/${encodeURIComponent(n.id || n.hostname)}`;
    if (n.status === 'down' || n.status === 'disconnected')
      add('critical', 'node', `node ${n.hostname} is ${n.status}`, href);
    if (n.reachability && n.reachability !== 'reachable')
      add('critical', 'node', `manager ${n.hostname} is ${n.reachability}`, href);
    if (n.availability && n.availability !== 'active')
      add('warning', 'node', `node ${n.hostname} is ${n.availability}`, href);
    if (n.collector === 'silent')
      add(
        'warning',
        'collector',
        `collector on ${n.hostname} silent for ${Math.round((n.collectorAgeMs ?? 0) / 1000)} s`,
        href,
      );
    if (n.collector === 'none' && n.status === 'ready')
      add('warning', 'collector', `no collector reports for node ${n.hostname}`, href);
  }
  for (const s of services) {
    const href = `/service/${encodeURIComponent(s.id)}`;
    const st = s.update?.state;
    if (st === 'paused' || st === 'rollback_started' || st === 'rollback_paused')
      add(
        'critical',
        'update',
        `service ${s.name}: update ${st.replace('_', ' ')}${s.update?.message ? ` (${s.update.message})` : ''}`,
        href,
      );
    if (s.mode !== 'replicated-job' && s.mode !== 'global-job' && s.running < s.desired)
      add('warning', 'replicas', `service ${s.name}: ${s.running}/${s.desired} running`, href);
    if (s.recentFailures > 0)
      add(
        'warning',
        'failures',
        `service ${s.name}: ${s.recentFailures} task failure${s.recentFailures > 1 ? 's' : ''} in the last ${RECENT_FAILURE_MS / 60_000} min`,
        href,
      );
  }
  for (const c of containers) {
    const href = `/container/${encodeURIComponent(c.id)}`;
    if (c.health === 'unhealthy') add('critical', 'health', `container ${c.name} is unhealthy`, href);
    if (c.status === 'restarting')
      add('warning', 'restarting', `container ${c.name} is restarting (${c.restarts} restarts)`, href);
    if (c.oomKills > 0)
      add('critical', 'oom', `container ${c.name}: ${c.oomKills} OOM kill${c.oomKills > 1 ? 's' : ''}`, href);
  }
  // An OOM-killed container may be gone already: its event still belongs here for a while.
  const listed = new Set(containers.filter((c) => c.oomKills > 0).map((c) => c.id));
  for (const e of mergeEvents(results))
    if (e.action === 'oom' && !listed.has(e.containerId ?? '') && now - Date.parse(e.time) < RECENT_FAILURE_MS)
      add(
        'critical',
        'oom',
        `container ${e.containerName ?? e.containerId}: OOM kill at ${e.time}`,
        `/container/${encodeURIComponent(e.containerId ?? '')}`,
      );
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
}

function mergeEvents(results: readonly PartResult[]): UiEvent[] {
  const byId = new Map<string, UiEvent>();
  for (const r of results) for (const e of r.part?.events ?? []) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
