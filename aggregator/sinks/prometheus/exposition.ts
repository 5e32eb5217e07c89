// The /metrics text of one replica: the aggregator's own metrics (prom-client's registry) and the
// cluster-wide Swarm state when this replica owns it, then every table (containers, hosts,
// collectors, …) over the nodes this replica exposes, streamed in pieces straight from the state
// held, so a scrape's cost is the text's and the process never holds the whole text at once.
import type { Registry } from 'prom-client';
import type { Ownership } from '../../ownership.ts';
import { SWARM_KEY } from '../../ownership.ts';
import type { ClusterState, NodeState } from './cluster-state.ts';
import { renderRows, type Table } from './metric-table.ts';

/** What one scrape asks for: everything, one node's series only, or the replica's own part only. */
export type Scope = { node?: string; part?: 'all' | 'nodes' | 'replica' };

export class Exposition {
  private readonly registry: Registry;
  private readonly state: ClusterState;
  private readonly ownership: Ownership | undefined;
  // Tables render over nodes of any item type; each table pairs its rows with its items.
  private readonly tables: Table<unknown, NodeState>[] = [];

  constructor(opts: { registry: Registry; state: ClusterState; ownership?: Ownership }) {
    this.registry = opts.registry;
    this.state = opts.state;
    this.ownership = opts.ownership;
  }

  addTable<T>(table: Table<T, NodeState>): void {
    this.tables.push(table as Table<unknown, NodeState>);
  }

  /** The nodes whose series this replica exposes now; a stale copy another replica exposes is forgotten. */
  exposedNodes(): NodeState[] {
    this.state.sweep();
    const out: NodeState[] = [];
    for (const node of this.state.nodes.values()) {
      const own = this.ownership;
      if (!own || own.exposes(node.key, node.lastSeenMs, node.sinceMs)) out.push(node);
      else if (!own.isFresh(node.lastSeenMs) && own.winner(node.key, node.lastSeenMs) !== undefined)
        this.state.forget(node.key);
    }
    return out;
  }

  /** Whether this replica exposes the cluster-wide Swarm state (it holds the newest snapshot it knows of). */
  swarmExposed(): boolean {
    const at = this.state.swarm.receivedAtMs;
    return !this.ownership || (at > 0 && this.ownership.exposes(SWARM_KEY, at, this.state.swarm.heldSinceMs));
  }

  /** Held keys with when each was last received (for peers' probes and http_sd). */
  heldKeys(): Map<string, number> {
    this.state.sweep();
    const out = new Map<string, number>();
    for (const n of this.state.nodes.values()) out.set(n.key, n.lastSeenMs);
    if (this.state.swarm.receivedAtMs > 0 && this.state.swarm.current())
      out.set(SWARM_KEY, this.state.swarm.receivedAtMs);
    return out;
  }

  /** The exposition text for `scope` as pieces, rendered as they are pulled (the route streams them). */
  async render(scope: Scope = {}): Promise<Generator<Buffer>> {
    const part = scope.node !== undefined ? 'nodes' : (scope.part ?? 'all');
    const own = part === 'nodes' ? '' : await this.registry.metrics();
    let nodes = part === 'replica' ? [] : this.exposedNodes();
    if (scope.node !== undefined) nodes = nodes.filter((n) => n.key === scope.node);
    const tables = this.tables;
    function* pieces(): Generator<Buffer> {
      if (own) yield Buffer.from(own);
      for (const table of tables) {
        const items = [];
        for (const n of nodes) for (const it of table.itemsOf(n)) items.push(it);
        yield* renderRows(table.rows, items);
      }
    }
    return pieces();
  }
}
