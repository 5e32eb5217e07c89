// What the aggregator knows right now, per node: the latest metric record of each live container
// and of the host, and the latest collector self-report, each with its label string built once as
// it arrives (a scrape only formats numbers). Inventory records remove containers that are gone;
// nodes not heard from for staleAfterMs are forgotten. Which nodes a replica exposes: ownership.ts.
import type { AgentRecord, ContainerMetricRecord, HostMetricRecord, WireRecord } from '../../../common/schema/index.ts';
import { SwarmView } from './swarm-view.ts';
import { formatLabels, type Labelled } from './metric-table.ts';
import { containerLabeller } from './container-metrics.ts';
import { rootCgroupRecord } from './root-cgroup.ts';

export type NodeState = {
  /** The node's key everywhere (ownership, routing, http_sd): its swarm node id, else its host name. */
  key: string;
  hostname: string;
  nodeId: string;
  /** `node="…",node_id="…",instance="…"`: carried by every series of the node. */
  labels: string;
  /** The node itself with its labels (the per-node pipeline series render from it). */
  self: Labelled<NodeState>;
  containers: Map<string, Labelled<ContainerMetricRecord>>;
  host: Labelled<HostMetricRecord> | undefined;
  /** cAdvisor's root cgroup (id="/"): the host record seen as a container, labelled as one. */
  root: Labelled<ContainerMetricRecord> | undefined;
  agent: AgentRecord | undefined;
  lastSeenMs: number;
  /** When this replica began holding the node (ownership hands a node over after a wait). */
  sinceMs: number;
};

/** The key of a node: its swarm node id, or its host name when the engine is not in a swarm. */
export const nodeKey = (node: { id: string; hostname: string }): string => node.id || node.hostname;

export class ClusterState {
  readonly nodes = new Map<string, NodeState>();
  /** The Swarm's services, tasks and nodes as the leading manager last reported them. */
  readonly swarm: SwarmView;
  private readonly staleAfterMs: number;
  private readonly now: () => number;
  private readonly containerLabels: (r: ContainerMetricRecord) => string;

  constructor(opts: {
    staleAfterMs: number;
    now?: () => number;
    /** A container's own labels as text (id, name, image, Swarm labels); default: cAdvisor's set. */
    containerLabels?: (r: ContainerMetricRecord) => string;
  }) {
    this.staleAfterMs = opts.staleAfterMs;
    this.now = opts.now ?? Date.now;
    this.containerLabels = opts.containerLabels ?? containerLabeller([]);
    this.swarm = new SwarmView({ staleAfterMs: opts.staleAfterMs, now: this.now });
  }

  apply(records: readonly WireRecord[]): void {
    for (const r of records) {
      if (r.kind === 'swarm') this.swarm.apply(r);
      if (r.kind !== 'metric' && r.kind !== 'inventory' && r.kind !== 'agent') continue;
      const node = this.node(r.node.id, r.node.hostname);
      switch (r.kind) {
        case 'metric':
          if (r.scope === 'container') {
            const prev = node.containers.get(r.container.id);
            // A retried or reordered batch must not roll a container's series back in time.
            if (!prev || prev.item.time <= r.time) {
              const labels = `${this.containerLabels(r)},${node.labels}`;
              // Unchanged labels keep their encoded bytes: a scrape then only formats numbers.
              const bytes = prev?.labels === labels ? prev.bytes : undefined;
              node.containers.set(r.container.id, { item: r, labels, bytes });
            }
          } else if (!node.host || node.host.item.time <= r.time) this.setHost(node, r);
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

  /** Forgets a node now (another replica holds it). */
  forget(key: string): void {
    this.nodes.delete(key);
  }

  private setHost(node: NodeState, r: HostMetricRecord): void {
    node.host = { item: r, labels: node.labels };
    const root = rootCgroupRecord(r);
    node.root = { item: root, labels: `${this.containerLabels(root)},${node.labels}` };
  }

  private node(id: string, hostname: string): NodeState {
    const key = nodeKey({ id, hostname });
    let node = this.nodes.get(key);
    if (!node || node.hostname !== hostname) {
      const labels = formatLabels({ node: hostname, node_id: id, instance: key });
      const fresh: NodeState = {
        key,
        hostname,
        nodeId: id,
        labels,
        self: undefined as unknown as Labelled<NodeState>,
        containers: new Map(),
        host: undefined,
        root: undefined,
        agent: node?.agent,
        lastSeenMs: 0,
        sinceMs: node?.sinceMs ?? this.now(),
      };
      fresh.self = { item: fresh, labels };
      // A renamed node keeps its records; their labels are rebuilt with the new name.
      if (node) {
        for (const [cid, c] of node.containers)
          fresh.containers.set(cid, { item: c.item, labels: `${this.containerLabels(c.item)},${labels}` });
        if (node.host) this.setHost(fresh, node.host.item);
      }
      node = fresh;
      this.nodes.set(key, node);
    }
    node.lastSeenMs = this.now();
    return node;
  }
}
