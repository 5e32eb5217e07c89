// What the aggregator knows right now, per node: the latest metric record of each live container
// and the latest collector self-report. Inventory records remove containers that are gone; nodes
// not heard from for staleAfterMs are forgotten. Prometheus collect() reads it at scrape time.
import type { AgentRecord, ContainerMetricRecord, HostMetricRecord, WireRecord } from '../../../common/schema/index.ts';
import { SwarmView } from './swarm-view.ts';

export type NodeState = {
  hostname: string;
  nodeId: string;
  containers: Map<string, ContainerMetricRecord>;
  host: HostMetricRecord | undefined;
  agent: AgentRecord | undefined;
  lastSeenMs: number;
};

export class ClusterState {
  readonly nodes = new Map<string, NodeState>();
  /** The Swarm's services, tasks and nodes as the leading manager last reported them. */
  readonly swarm: SwarmView;
  private readonly staleAfterMs: number;
  private readonly now: () => number;

  constructor(opts: { staleAfterMs: number; now?: () => number }) {
    this.staleAfterMs = opts.staleAfterMs;
    this.now = opts.now ?? Date.now;
    this.swarm = new SwarmView({ staleAfterMs: opts.staleAfterMs, now: this.now });
  }

  apply(records: readonly WireRecord[]): void {
    for (const r of records) {
      if (r.kind === 'swarm') this.swarm.apply(r);
      if (r.kind !== 'metric' && r.kind !== 'inventory' && r.kind !== 'agent') continue;
      const node = this.node(r.node.id, r.node.hostname);
      switch (r.kind) {
        case 'metric':
          if (r.scope === 'container') keepNewest(node.containers, r.container.id, r);
          else if (!node.host || node.host.time <= r.time) node.host = r;
          break;
        case 'inventory': {
          const live = new Set(r.containerIds);
          for (const id of node.containers.keys()) if (!live.has(id)) node.containers.delete(id);
          break;
        }
        case 'agent':
          if (!node.agent || node.agent.time <= r.time) node.agent = r;
          break;
      }
    }
  }

  /** Forgets nodes whose collector went silent; called at scrape time. */
  sweep(): void {
    const cutoff = this.now() - this.staleAfterMs;
    for (const [key, node] of this.nodes) if (node.lastSeenMs < cutoff) this.nodes.delete(key);
  }

  private node(id: string, hostname: string): NodeState {
    const key = id || hostname;
    let node = this.nodes.get(key);
    if (!node) {
      node = { hostname, nodeId: id, containers: new Map(), host: undefined, agent: undefined, lastSeenMs: 0 };
      this.nodes.set(key, node);
    }
    node.hostname = hostname;
    node.lastSeenMs = this.now();
    return node;
  }
}

/** A retried or reordered batch must not roll a container's series back in time. */
function keepNewest(map: Map<string, ContainerMetricRecord>, id: string, r: ContainerMetricRecord): void {
  const prev = map.get(id);
  if (!prev || prev.time <= r.time) map.set(id, r);
}
