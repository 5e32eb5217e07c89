// Which aggregator replicas exist and in what order a node prefers them: the set is discovered from
// DNS (`dns+http://tasks.<service>:<port>`, re-resolved: Swarm answers with one address per task) or
// given as static URLs, and a key (a node id) orders the set by rendezvous hashing. Shared by the
// collector's routing, the aggregator's ownership and the UI's fan-out; it never talks to a replica.
import { hash } from 'node:crypto';
import { lookup } from 'node:dns/promises';

/** Prefix of an entry that is resolved (all addresses) instead of used as is, as Thanos and Cortex spell it. */
export const DNS_PREFIX = 'dns+';

export type ReplicaSetOptions = {
  /** Entries: a base URL (`http://10.0.0.5:9280`) or `dns+http://tasks.aggregator:9280`. */
  entries: readonly string[];
  /** How often DNS entries are resolved again (a replica that moved or came back is seen within it). */
  resolveIntervalMs?: number;
  /** Injected in tests: every address a host name resolves to. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** A resolution failed; the previous members are kept meanwhile. */
  onError?: (err: Error, entry: string) => void;
};

export const DEFAULT_RESOLVE_INTERVAL_MS = 5_000;

/** Splits a comma-separated list of entries (SWARMSCOPE_AGGREGATOR_URL, SWARMSCOPE_REPLICAS). */
export function parseEntries(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter(Boolean);
}

/** Problems with a list of entries (for config validation); empty when every entry is usable. */
export function entryProblems(entries: readonly string[]): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    const url = e.startsWith(DNS_PREFIX) ? e.slice(DNS_PREFIX.length) : e;
    if (!URL.canParse(url)) problems.push(`${e} is not a URL (or dns+URL)`);
    else if (e.startsWith(DNS_PREFIX) && !new URL(url).port)
      problems.push(`${e}: a dns+ entry needs the replicas' port`);
  }
  return problems;
}

export class ReplicaSet {
  private readonly opts: ReplicaSetOptions;
  private current: readonly string[];
  private version = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(members: readonly string[]) => void>();
  /** Rendezvous orders computed for the current members, by key (a collector asks once per batch). */
  private readonly orders = new Map<string, readonly string[]>();
  /** What each DNS entry resolved to last (kept when a resolution fails). */
  private readonly resolved = new Map<string, string[]>();

  constructor(opts: ReplicaSetOptions) {
    this.opts = opts;
    // Static entries are members from the start; DNS entries join on the first resolution.
    this.current = normalise(opts.entries.filter((e) => !e.startsWith(DNS_PREFIX)));
  }

  /** True when some entry is resolved through DNS (the set can change by itself). */
  get dynamic(): boolean {
    return this.opts.entries.some((e) => e.startsWith(DNS_PREFIX));
  }

  /** Resolves once now, then every resolveIntervalMs when some entry is a DNS name. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.dynamic && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), this.opts.resolveIntervalMs ?? DEFAULT_RESOLVE_INTERVAL_MS);
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  /** The replicas as base URLs, sorted (the same list on every process that sees the same DNS answer). */
  members(): readonly string[] {
    return this.current;
  }

  /** Incremented whenever the members change. */
  get generation(): number {
    return this.version;
  }

  onChange(listener: (members: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The members in the order `key` prefers them: its owner first, then where it fails over to. */
  orderFor(key: string): readonly string[] {
    let order = this.orders.get(key);
    if (!order) {
      order = rendezvousOrder(key, this.current);
      if (this.orders.size >= 100_000) this.orders.clear();
      this.orders.set(key, order);
    }
    return order;
  }

  /** Resolves every DNS entry; a failed one keeps its previous addresses. */
  async refresh(): Promise<void> {
    const resolve = this.opts.resolveHost ?? resolveAll;
    const found: string[] = [];
    for (const entry of this.opts.entries) {
      if (!entry.startsWith(DNS_PREFIX)) {
        found.push(entry);
        continue;
      }
      const url = new URL(entry.slice(DNS_PREFIX.length));
      try {
        const urls = (await resolve(url.hostname)).map((address) => withHost(url, address));
        this.resolved.set(entry, urls);
        found.push(...urls);
      } catch (err) {
        this.opts.onError?.(err as Error, entry);
        // Keep what this entry resolved to last time: a DNS hiccup must not move every node.
        found.push(...(this.resolved.get(entry) ?? []));
      }
    }
    this.set(normalise(found));
  }

  private set(members: readonly string[]): void {
    if (members.length === this.current.length && members.every((m, i) => m === this.current[i])) return;
    this.current = members;
    this.version++;
    this.orders.clear();
    for (const l of this.listeners) l(members);
  }
}

/** Rendezvous (highest random weight) score of a member for a key: a 48-bit hash of both. */
export function rendezvousScore(key: string, member: string): number {
  return parseInt(hash('sha1', `${member}\n${key}`).slice(0, 12), 16);
}

/**
 * The members ordered by their score for `key`, highest first. Removing a member moves only the
 * keys it owned (each to its next in order); adding one takes about 1/N of the keys from the others.
 */
export function rendezvousOrder(key: string, members: readonly string[]): string[] {
  return members
    .map((m) => ({ m, s: rendezvousScore(key, m) }))
    .sort((a, b) => b.s - a.s || (a.m < b.m ? -1 : 1))
    .map((x) => x.m);
}

/** The member that owns `key` among `members` (undefined when there are none). */
export function ownerOf(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const m of members) {
    const s = rendezvousScore(key, m);
    if (s > bestScore || (s === bestScore && best !== undefined && m < best)) {
      best = m;
      bestScore = s;
    }
  }
  return best;
}

/**
 * Which member is this process: the one whose port is `port` and whose host is one of `addresses`
 * (this machine's interface addresses, or the name it was configured with). Undefined if none.
 */
export function findSelf(members: readonly string[], port: number, addresses: readonly string[]): string | undefined {
  const mine = new Set(addresses.map((a) => a.toLowerCase()));
  return members.find((m) => {
    const u = new URL(m);
    return Number(u.port || (u.protocol === 'https:' ? 443 : 80)) === port && mine.has(stripBrackets(u.hostname));
  });
}

async function resolveAll(host: string): Promise<string[]> {
  return (await lookup(host, { all: true })).map((a) => a.address);
}

function withHost(url: URL, address: string): string {
  const host = address.includes(':') ? `[${address}]` : address;
  return `${url.protocol}//${host}:${url.port}${url.pathname === '/' ? '' : url.pathname}`;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1).toLowerCase() : host.toLowerCase();
}

function normalise(urls: readonly string[]): string[] {
  return [...new Set(urls.map((u) => u.replace(/\/$/, '')))].sort();
}
