// The node's one container inventory: what is known about each container (identity, labels,
// state, limits, where its cgroup and log file are), kept current by a cheap list each round, an
// inspect when a container is first seen or invalidated (by an event), and a periodic full
// re-inspect; never re-inspected on every sample. Sources subscribe to its lists and events
// instead of listing the engine themselves.
import type { DockerApi } from './docker-api.ts';
import type { ContainerRef, ContainerState } from '../common/schema/index.ts';
import type { Logger } from '../common/logger.ts';

export type ContainerInfo = {
  ref: ContainerRef;
  state: ContainerState;
  running: boolean;
  pid: number;
  cgroupParent?: string;
  /** HostConfig.NetworkMode: "host" containers share the host's counters, so none are read for them. */
  networkMode?: string;
  logDriver: string;
  logPath: string;
  tty: boolean;
  inspectedAt: number;
};

/** One row of the engine's container list (GET /containers/json?all=1). */
export type ListedContainer = {
  Id: string;
  State: string;
  Status: string;
  Names?: string[];
  Image: string;
  Labels?: Record<string, string> | null;
};

/** What a source hears from the inventory: each container event, and each full list. */
export type InventorySubscriber = {
  containerEvent?: (id: string, action: string) => void;
  listed?: (list: readonly ListedContainer[]) => void;
};

export type Inspect = {
  Id: string;
  Name: string;
  Created: string;
  RestartCount: number;
  LogPath: string;
  State: {
    Status: string;
    Running: boolean;
    Pid: number;
    StartedAt: string;
    Health?: { Status: string; FailingStreak: number };
  };
  Config: { Image: string; Labels: Record<string, string> | null; Tty: boolean };
  HostConfig: {
    NanoCpus?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    Memory?: number;
    CgroupParent?: string;
    NetworkMode?: string;
    LogConfig?: { Type: string };
  };
};

export function containerInfoFromInspect(c: Inspect, now: number): ContainerInfo {
  const hc = c.HostConfig;
  const cpuLimit = hc.NanoCpus
    ? hc.NanoCpus / 1e9
    : hc.CpuQuota && hc.CpuQuota > 0
      ? hc.CpuQuota / (hc.CpuPeriod || 100_000)
      : undefined;
  return {
    ref: { id: c.Id, name: c.Name.replace(/^\//, ''), image: c.Config.Image, labels: c.Config.Labels ?? {} },
    state: {
      status: c.State.Status,
      health: c.State.Health?.Status ?? 'none',
      failingStreak: c.State.Health?.FailingStreak,
      restartCount: c.RestartCount,
      createdAt: c.Created,
      startedAt: c.State.StartedAt,
      cpuLimitCores: cpuLimit,
      memoryLimitBytes: hc.Memory || undefined,
    },
    running: c.State.Running,
    pid: c.State.Pid,
    cgroupParent: hc.CgroupParent || undefined,
    networkMode: hc.NetworkMode,
    logDriver: hc.LogConfig?.Type ?? 'json-file',
    logPath: c.LogPath,
    tty: c.Config.Tty,
    inspectedAt: now,
  };
}

export class DockerInventory {
  private readonly containers = new Map<string, ContainerInfo>();
  private readonly stale = new Set<string>();
  private readonly api: DockerApi;
  private readonly log: Logger;
  private readonly reconcileMs: number;
  private readonly now: () => number;
  private readonly subscribers: InventorySubscriber[] = [];
  private listing: Promise<ListedContainer[]> | undefined;
  private tellNext = false;
  private toldAt = -Infinity;

  constructor(opts: { api: DockerApi; log: Logger; reconcileMs: number; now?: () => number }) {
    this.api = opts.api;
    this.log = opts.log;
    this.reconcileMs = opts.reconcileMs;
    this.now = opts.now ?? Date.now;
  }

  subscribe(s: InventorySubscriber): void {
    this.subscribers.push(s);
  }

  /** Marks a container for re-inspection at the next refresh (an event said it changed). */
  invalidate(id: string): void {
    this.stale.add(id);
  }

  /** A Docker event about a container (the events source tells it): re-inspected next round, subscribers told. */
  containerEvent(id: string, action: string): void {
    this.invalidate(id);
    for (const s of this.subscribers) s.containerEvent?.(id, action);
  }

  get(id: string): ContainerInfo | undefined {
    return this.containers.get(id);
  }

  running(): ContainerInfo[] {
    return [...this.containers.values()].filter((c) => c.running);
  }

  /**
   * Lists the engine's containers, inspects the new, invalidated and overdue ones, forgets the
   * removed. Subscribers are told the list when `tell` asks (the events source's reconcile) or once
   * per reconcile interval (the sampling rounds), as often as they were before there was one list.
   * Calls while one runs share it.
   */
  refresh(opts: { tell?: boolean } = {}): Promise<ListedContainer[]> {
    if (opts.tell) this.tellNext = true;
    this.listing ??= this.list().finally(() => (this.listing = undefined));
    return this.listing;
  }

  private async list(): Promise<ListedContainer[]> {
    const list = await this.api.get<ListedContainer[]>('/containers/json?all=1');
    const seen = new Set<string>();
    const now = this.now();
    await Promise.all(
      list.map(async (item) => {
        seen.add(item.Id);
        const known = this.containers.get(item.Id);
        const changed = known && (known.running !== (item.State === 'running') || known.state.status !== item.State);
        if (known && !changed && !this.stale.has(item.Id) && now - known.inspectedAt < this.reconcileMs) return;
        await this.inspect(item.Id, now);
      }),
    );
    for (const id of this.containers.keys()) if (!seen.has(id)) this.containers.delete(id);
    if (this.tellNext || now - this.toldAt >= this.reconcileMs) {
      this.tellNext = false;
      this.toldAt = now;
      for (const s of this.subscribers) s.listed?.(list);
    }
    return list;
  }

  private async inspect(id: string, now: number): Promise<void> {
    this.stale.delete(id);
    try {
      const c = await this.api.get<Inspect>(`/containers/${id}/json`, { allow404: true });
      if (c) this.containers.set(id, containerInfoFromInspect(c, now));
      else this.containers.delete(id);
    } catch (err) {
      this.log.warn({ container: id, err: (err as Error).message }, 'inspect failed; will retry next round');
    }
  }
}
