// Which replica exposes a node's series, so that scraping every replica sums to the truth. Every
// replica holding a node's records is a candidate; the one whose records are fresh (received within
// holdMs) wins over stale ones, and among equals the node's rendezvous order decides (the order its
// collector sends in). Each replica learns what its peers hold by asking them every probeIntervalMs
// (GET /api/v1/held); a peer that does not answer holds nothing. No replica talks to more than that.
import { networkInterfaces } from 'node:os';
import { Agent, request } from 'undici';
import { findSelf, rendezvousScore, type ReplicaSet } from '../common/replica-set.ts';
import type { Logger } from '../common/logger.ts';

/** The key under which the cluster-wide Swarm state is held and owned like a node. */
export const SWARM_KEY = ':swarm';

export const HELD_PATH = '/api/v1/held';

/** What a replica holds: keys received within holdMs, and older ones it still keeps. */
export type Held = { self: string; fresh: string[]; stale: string[] };

export type OwnershipOptions = {
  replicas: ReplicaSet;
  /** This replica's URL as its peers list it; found among the members by address and port when absent. */
  self: string | undefined;
  listenPort: number;
  token: string;
  holdMs: number;
  probeIntervalMs: number;
  log: Logger;
  now?: () => number;
};

/** Errors of a peer that is there but slow (its claims are kept a while); any other failure: gone. */
const SLOW = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

type Peer = { fresh: Set<string>; stale: Set<string>; up: boolean; answeredAtMs: number };

export class Ownership {
  private readonly opts: OwnershipOptions;
  private readonly now: () => number;
  private readonly peers = new Map<string, Peer>();
  private timer: NodeJS.Timeout | undefined;
  private probing: Promise<void> | undefined;
  private readonly agent: Agent;
  private selfUrl: string | undefined;
  private warnedSelf = false;
  /** Peer probes that failed (a peer down or unreachable), for the aggregator's own metrics. */
  probeFailures = 0;

  constructor(opts: OwnershipOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.selfUrl = opts.self;
    // A replica that vanished (its task's address gone) must not hold a probe past the interval.
    this.agent = new Agent({ connect: { timeout: 2 * opts.probeIntervalMs }, keepAliveTimeout: 60_000 });
  }

  async start(): Promise<void> {
    await this.opts.replicas.start();
    await this.probe();
    this.timer = setInterval(() => {
      // One round at a time: a slow round skips the next tick rather than piling up.
      this.probing ??= this.probe().finally(() => (this.probing = undefined));
    }, this.opts.probeIntervalMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.opts.replicas.close();
    await this.probing;
    await this.agent.close();
  }

  /** This replica's URL among the members. */
  get self(): string {
    if (!this.selfUrl) {
      const addresses = Object.values(networkInterfaces())
        .flat()
        .map((i) => i?.address ?? '');
      this.selfUrl = findSelf(this.opts.replicas.members(), this.opts.listenPort, addresses);
      if (!this.selfUrl) {
        if (!this.warnedSelf)
          this.opts.log.warn(
            { members: this.opts.replicas.members(), port: this.opts.listenPort },
            'this replica is not among SWARMSCOPE_REPLICAS; set SWARMSCOPE_REPLICA_URL to its URL as peers see it',
          );
        this.warnedSelf = true;
        return `self:${this.opts.listenPort}`;
      }
    }
    return this.selfUrl;
  }

  /** This replica and the peers that answered their last probe. */
  liveMembers(): string[] {
    return [this.self, ...[...this.peers].filter(([, p]) => p.up).map(([url]) => url)];
  }

  /** Peers that answered their last probe. */
  peersUp(): number {
    let n = 0;
    for (const p of this.peers.values()) if (p.up) n++;
    return n;
  }

  /** What this replica holds, for its peers' probes. */
  held(local: Iterable<[key: string, lastSeenMs: number]>): Held {
    const fresh: string[] = [];
    const stale: string[] = [];
    const cutoff = this.now() - this.opts.holdMs;
    for (const [key, seen] of local) (seen >= cutoff ? fresh : stale).push(key);
    return { self: this.self, fresh, stale };
  }

  /**
   * The replica that exposes `key`: among those holding it (this one when `localSeenMs` is given),
   * fresh before stale, then by the key's rendezvous order. Undefined when nobody holds it.
   */
  winner(key: string, localSeenMs: number | undefined): string | undefined {
    let best: string | undefined;
    let bestRank = -1;
    const consider = (member: string, fresh: boolean) => {
      // Freshness outranks any hash score (scores are below 2^48).
      const rank = (fresh ? 2 ** 48 : 0) + rendezvousScore(key, member);
      if (rank > bestRank) {
        best = member;
        bestRank = rank;
      }
    };
    if (localSeenMs !== undefined) consider(this.self, localSeenMs >= this.now() - this.opts.holdMs);
    for (const [url, p] of this.peers) {
      if (!p.up) continue;
      if (p.fresh.has(key)) consider(url, true);
      else if (p.stale.has(key)) consider(url, false);
    }
    return best;
  }

  /**
   * Whether this replica exposes `key`, last received at `localSeenMs` and held since `sinceMs`.
   * A key that just arrived while a peer still holds it waits two probe intervals, so that peer
   * (which sees this replica's claim at its next probe) has let go first: a move is a short gap,
   * never two replicas exposing the same series.
   */
  exposes(key: string, localSeenMs: number, sinceMs = 0): boolean {
    if (this.winner(key, localSeenMs) !== this.self) return false;
    if (this.now() - sinceMs >= 2 * this.opts.probeIntervalMs) return true;
    for (const p of this.peers.values()) if (p.up && (p.fresh.has(key) || p.stale.has(key))) return false;
    return true;
  }

  /** Records received within holdMs: the collector still sends here. */
  isFresh(seenMs: number): boolean {
    return seenMs >= this.now() - this.opts.holdMs;
  }

  /** Every key some replica holds, with the replica that exposes it (for http_sd). */
  placement(local: Map<string, number>): Map<string, string> {
    const out = new Map<string, string>();
    const keys = new Set(local.keys());
    for (const p of this.peers.values()) if (p.up) for (const k of [...p.fresh, ...p.stale]) keys.add(k);
    for (const k of keys) {
      const w = this.winner(k, local.get(k));
      if (w) out.set(k, w);
    }
    return out;
  }

  /** Asks every peer what it holds; one that does not answer within the interval counts as holding nothing. */
  async probe(): Promise<void> {
    const self = this.self;
    const members = this.opts.replicas.members().filter((m) => m !== self);
    for (const url of this.peers.keys()) if (!members.includes(url)) this.peers.delete(url);
    await Promise.all(
      members.map(async (url) => {
        const prev = this.peers.get(url);
        let peer: Peer;
        try {
          const res = await request(url + HELD_PATH, {
            dispatcher: this.agent,
            headers: { authorization: `Bearer ${this.opts.token}` },
            headersTimeout: 2 * this.opts.probeIntervalMs,
            bodyTimeout: 2 * this.opts.probeIntervalMs,
          });
          if (res.statusCode !== 200) {
            await res.body.dump();
            throw new Error(`status ${res.statusCode}`);
          }
          const body = (await res.body.json()) as Held;
          peer = { fresh: new Set(body.fresh), stale: new Set(body.stale), up: true, answeredAtMs: this.now() };
        } catch (err) {
          this.probeFailures++;
          // A refused or reset connection is a replica gone; a slow answer (a busy replica) keeps its
          // last claims for three intervals, so load alone does not make two replicas expose a node.
          const slow = SLOW.has(String((err as NodeJS.ErrnoException).code));
          const keep = slow && prev?.up && this.now() - prev.answeredAtMs < 3 * this.opts.probeIntervalMs;
          peer = keep
            ? prev!
            : { fresh: new Set(), stale: new Set(), up: false, answeredAtMs: prev?.answeredAtMs ?? 0 };
          if (!peer.up && prev?.up !== false)
            this.opts.log.warn({ peer: url, err: (err as Error).message }, 'aggregator peer not answering');
        }
        this.peers.set(url, peer);
      }),
    );
  }
}
