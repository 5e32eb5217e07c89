// Where this node's batches go when there are several aggregator replicas: to the node's owner (the
// first in its rendezvous order over the discovered replicas), failing over to the next in that
// order, and back to the owner once retryDownMs has passed since it failed. The aggregators rank
// the same way, so the replica that receives a node's records is the one that exposes them.
import { ReplicaSet, parseEntries, DNS_PREFIX, DEFAULT_RESOLVE_INTERVAL_MS } from '../../common/replica-set.ts';

/** What the shipper asks: the URL for the next request, and that a URL failed. */
export type Router = { pick(): string; failed(url: string): void; size(): number };

export type ReplicaRoutingOptions = {
  replicas: ReplicaSet;
  /** The node's key (swarm node id, else host name): known only once the engine answered. */
  key: () => string;
  /** How long a replica that failed is passed over (also how often DNS is asked again). */
  retryDownMs?: number;
  now?: () => number;
};

export class ReplicaRouting implements Router {
  private readonly opts: ReplicaRoutingOptions;
  private readonly now: () => number;
  private readonly downUntil = new Map<string, number>();

  constructor(opts: ReplicaRoutingOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Routing applies when there is a choice: several entries, or one resolved through DNS. */
  static wanted(entries: readonly string[]): boolean {
    return entries.length > 1 || entries.some((e) => e.startsWith(DNS_PREFIX));
  }

  static fromEntries(list: string | readonly string[], key: () => string, retryDownMs = DEFAULT_RESOLVE_INTERVAL_MS) {
    const entries = typeof list === 'string' ? parseEntries(list) : list;
    return new ReplicaRouting({
      replicas: new ReplicaSet({ entries, resolveIntervalMs: retryDownMs }),
      key,
      retryDownMs,
    });
  }

  start(): Promise<void> {
    return this.opts.replicas.start();
  }

  close(): void {
    this.opts.replicas.close();
  }

  size(): number {
    return Math.max(1, this.opts.replicas.members().length);
  }

  pick(): string {
    const order = this.opts.replicas.orderFor(this.opts.key());
    const now = this.now();
    let soonest: string | undefined;
    let soonestAt = Infinity;
    for (const url of order) {
      const until = this.downUntil.get(url) ?? 0;
      if (until <= now) return url;
      if (until < soonestAt) [soonest, soonestAt] = [url, until];
    }
    // Every replica failed lately: the one that failed longest ago (DNS not answered yet: the entry itself).
    return soonest ?? this.opts.replicas.members()[0] ?? 'http://127.0.0.1:9280';
  }

  failed(url: string): void {
    this.downUntil.set(url, this.now() + (this.opts.retryDownMs ?? DEFAULT_RESOLVE_INTERVAL_MS));
  }
}
