// The aggregator's one truth about the Swarm: the newest snapshot by its own time (whichever
// manager sent it, so a failover or a retried batch never rolls it back), and task failures
// counted once each from change records (ids remembered within a bound). Read at scrape time.
import type { SwarmChangeRecord, SwarmRecord, SwarmSnapshotRecord } from '../../../common/schema/index.ts';

/** Change ids remembered to count a re-sent failure once; past this, the oldest are forgotten. */
export const SEEN_CHANGES_MAX = 10_000;

export type ServiceFailures = { service: string; stack: string; count: number };

export class SwarmView {
  private snapshot: SwarmSnapshotRecord | undefined;
  private receivedMs = 0;
  /** When this replica began holding a snapshot (none held before). */
  heldSinceMs = 0;
  private readonly seen = new Set<string>();
  /** Task failures per service id since this aggregator started (a counter: Prometheus handles resets). */
  readonly failures = new Map<string, ServiceFailures>();
  /** Change ids forgotten at the bound (a re-send of one of those would count twice). */
  forgotten = 0;
  private readonly staleAfterMs: number;
  private readonly now: () => number;

  constructor(opts: { staleAfterMs: number; now?: () => number }) {
    this.staleAfterMs = opts.staleAfterMs;
    this.now = opts.now ?? Date.now;
  }

  apply(r: SwarmRecord): void {
    if (r.type === 'snapshot') {
      if (!this.snapshot || this.snapshot.time <= r.time) {
        if (!this.snapshot) this.heldSinceMs = this.now();
        this.snapshot = r;
        this.receivedMs = this.now();
      }
      return;
    }
    this.count(r);
  }

  /** When the newest snapshot arrived (0: none yet); ownership keys the cluster-wide state on it. */
  get receivedAtMs(): number {
    return this.snapshot ? this.receivedMs : 0;
  }

  /** The newest snapshot, unless no manager has reported for staleAfterMs (then nothing: no stale truth). */
  current(): SwarmSnapshotRecord | undefined {
    if (this.snapshot && this.now() - this.receivedMs > this.staleAfterMs) this.snapshot = undefined;
    return this.snapshot;
  }

  private count(r: SwarmChangeRecord): void {
    const c = r.body;
    if ((c.action !== 'task_failed' && c.action !== 'task_rejected') || !c.service) return;
    if (this.seen.has(r.id)) return;
    this.seen.add(r.id);
    if (this.seen.size > SEEN_CHANGES_MAX) {
      this.seen.delete(this.seen.values().next().value!);
      this.forgotten++;
    }
    const f = this.failures.get(c.service.id) ?? { service: c.service.name, stack: c.service.stack, count: 0 };
    f.count++;
    this.failures.set(c.service.id, f);
  }
}
