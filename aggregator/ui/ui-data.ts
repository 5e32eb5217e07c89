// What the UI reads, in one place: fed by ingest (history, recent events, live tail), it answers
// this replica's part, the whole cluster's view (this part plus every peer's, see peers.ts), a
// container/node/service's recent history, and log searches (Elasticsearch, or every replica's journal).
import type { WireRecord } from '../../common/schema/index.ts';
import type { ClusterState } from '../sinks/prometheus/cluster-state.ts';
import { AlertmanagerAlerts } from './alerts.ts';
import { buildClusterView, type PartResult } from './cluster-view.ts';
import { HistoryStore, sumSeries } from './history-store.ts';
import type { ClusterView, SeriesData } from './ui-api.ts';
import type { LogQuery, LogSearch, LogSearchResult } from './log-search.ts';
import { LogTail } from './log-tail.ts';
import { buildPart, type Part } from './part.ts';
import { Peers } from './peers.ts';
import { RecentEvents } from './recent-events.ts';
import type { UiConfig } from '../config.ts';

/** The merged view is rebuilt at most this often however many pages ask. */
const VIEW_CACHE_MS = 500;
/** Recent events carried in a part (the rest stay in the ring, reachable by entity). */
const PART_EVENTS = 300;

export type Focus = { kind: 'container' | 'node' | 'service'; id: string };

export function parseFocus(raw: unknown): Focus | undefined {
  if (typeof raw !== 'string') return undefined;
  const m = /^(container|node|service):(.{1,128})$/.exec(raw);
  return m ? { kind: m[1] as Focus['kind'], id: m[2]! } : undefined;
}

export class UiData {
  readonly history: HistoryStore;
  readonly events = new RecentEvents();
  readonly tail = new LogTail();
  readonly alerts: AlertmanagerAlerts;
  readonly peers: Peers;
  readonly logs: LogSearch;
  readonly replica: string;
  private readonly state: ClusterState;
  private cached: { at: number; view: Promise<ClusterView> } | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(opts: {
    config: UiConfig;
    state: ClusterState;
    logs: LogSearch;
    token: string;
    replica: string;
    peers?: () => readonly string[];
  }) {
    this.state = opts.state;
    this.logs = opts.logs;
    this.replica = opts.replica;
    this.history = new HistoryStore({
      windowMs: opts.config.historyWindowMs,
      maxPoints: opts.config.historyMaxPoints,
      maxSeries: opts.config.historyMaxSeries,
    });
    this.alerts = new AlertmanagerAlerts(opts.config.alertmanagerUrl);
    const list = opts.config.peers;
    this.peers = new Peers({ urls: opts.peers ?? (() => list), token: opts.token });
  }

  observe(records: readonly WireRecord[]): void {
    for (const r of records) {
      if (r.kind !== 'metric') continue;
      if (r.scope === 'container') this.history.observeContainer(r);
      else this.history.observeHost(r);
    }
    this.events.observe(records);
    // New state: the next view is built afresh, and open pages hear of it now rather than at their next tick.
    this.cached = undefined;
    for (const fn of this.listeners) fn();
  }

  /**
   * Log lines go to live tails as they arrive, before the sink holds them, so a slow Elasticsearch
   * does not hold up the tail; a batch retried after a refusal repeats lines, which a tail drops by id.
   */
  received(records: readonly WireRecord[]): void {
    this.tail.observe(records);
  }

  /** Called after every accepted batch; returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  part(now = Date.now()): Part {
    this.history.sweep();
    return buildPart(this.replica, this.state, this.events.list(undefined, PART_EVENTS), now, (key) => {
      const h = this.history.node(key);
      return h?.cpu.at(-1) ?? null;
    });
  }

  view(now = Date.now()): Promise<ClusterView> {
    if (this.cached && now - this.cached.at < VIEW_CACHE_MS) return this.cached.view;
    const view = (async () => {
      const local: PartResult = { replica: this.replica, part: this.part(now), fetchedAtMs: now };
      const remote = (await this.peers.get<Part>('/ui/api/part')).map((a): PartResult => ({
        replica: a.replica,
        ...(a.body ? { part: a.body } : {}),
        ...(a.error ? { error: a.error } : {}),
        fetchedAtMs: a.fetchedAtMs,
      }));
      return buildClusterView([local, ...remote], this.alerts.current(now), Date.now());
    })();
    this.cached = { at: now, view };
    view.catch(() => (this.cached = undefined));
    return view;
  }

  /** This replica's series for a focus (a service: one per local container of it). */
  localHistory(focus: Focus): SeriesData[] {
    if (focus.kind === 'container') {
      const s = this.history.container(focus.id);
      return s ? [s] : [];
    }
    if (focus.kind === 'node') {
      for (const [key, n] of this.state.nodes)
        if (key === focus.id || n.nodeId === focus.id || n.hostname === focus.id) {
          const s = this.history.node(key);
          return s ? [s] : [];
        }
      return [];
    }
    const out: SeriesData[] = [];
    for (const n of this.state.nodes.values())
      for (const { item: c } of n.containers.values())
        if (c.container.labels['com.docker.swarm.service.id'] === focus.id) {
          const s = this.history.container(c.container.id);
          if (s) out.push(s);
        }
    return out;
  }

  /** A focus's history across every replica; a service's containers are summed per time step. */
  async historyFor(focus: Focus): Promise<SeriesData | undefined> {
    const q = `/ui/api/part/history?focus=${encodeURIComponent(`${focus.kind}:${focus.id}`)}`;
    const remote = this.peers.count ? await this.peers.get<SeriesData[]>(q) : [];
    const all = [...this.localHistory(focus), ...remote.flatMap((a) => a.body ?? [])];
    if (focus.kind !== 'service') return all.sort((a, b) => (b.t.at(-1) ?? 0) - (a.t.at(-1) ?? 0))[0];
    return all.length ? sumSeries(all, stepOf(all)) : undefined;
  }

  /** Elasticsearch holds every replica's logs; each journal only its own: ask every replica then. */
  async searchLogs(q: LogQuery): Promise<LogSearchResult> {
    const local = await this.logs.search(q);
    if (this.logs.backend !== 'journal' || !this.peers.count) return local;
    const qs = new URLSearchParams(queryParams(q)).toString();
    const remote = await this.peers.get<LogSearchResult>(`/ui/api/part/logs?${qs}`);
    const lines = [...local.lines, ...remote.flatMap((a) => a.body?.lines ?? [])]
      .sort((a, b) => Date.parse(a.time) - Date.parse(b.time))
      .slice(-q.limit);
    return { backend: 'journal', lines, partial: local.partial || remote.some((a) => !a.body || a.body.partial) };
  }
}

/** The sampling step of a set of series: the median spacing of the longest one, at least 1 s. */
function stepOf(list: readonly SeriesData[]): number {
  const longest = list.reduce((a, b) => (b.t.length > a.t.length ? b : a));
  const gaps = longest.t.slice(1).map((t, i) => t - longest.t[i]!);
  gaps.sort((a, b) => a - b);
  return Math.max(1000, gaps[Math.floor(gaps.length / 2)] ?? 1000);
}

export function queryParams(q: LogQuery): Record<string, string> {
  const p: Record<string, string> = { limit: String(q.limit) };
  if (q.text) p.q = q.text;
  if (q.stream) p.stream = q.stream;
  if (q.fromMs !== undefined) p.from = new Date(q.fromMs).toISOString();
  if (q.toMs !== undefined) p.to = new Date(q.toMs).toISOString();
  if (q.containerId) p.container = q.containerId;
  if (q.service) p.service = q.service;
  if (q.labels?.length) p.label = q.labels.map(([k, v]) => `${k}=${v}`).join(',');
  return p;
}
