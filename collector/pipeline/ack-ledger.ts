// Acknowledgement handles in flight: for each handle, how many of its records are not queued yet
// and how many queued batches hold some of them. The batcher reports what it queued (or dropped);
// the queue reports each batch that left it (acknowledged via the shipper, set aside, dropped).
// A handle hears queued() when its last record is queued and settled() when its last batch left.
import type { AckHandle } from '../sources/source.ts';

type Entry = { handle: AckHandle; unqueued: number; batches: number };

export class AckLedger {
  private readonly entries = new Map<AckHandle, Entry>();
  private readonly byBatch = new Map<number, Entry[]>();

  /** The batcher took `count` records carrying `handle`. */
  take(handle: AckHandle, count: number): void {
    const e = this.entries.get(handle);
    if (e) e.unqueued += count;
    else this.entries.set(handle, { handle, unqueued: count, batches: 0 });
    if (count === 0 && !e) this.settleIfDone(this.entries.get(handle)!, true);
  }

  /** `count` records taken for `handle` will not be queued (a hold on the handle let go of: see Batcher.open). */
  release(handle: AckHandle, count: number): void {
    const e = this.entries.get(handle);
    if (!e) return;
    e.unqueued -= count;
    if (e.unqueued === 0) this.settleIfDone(e, true);
  }

  /** A batch holding `counts` records per handle was queued as `seq`, or dropped on arrival (undefined). */
  queued(seq: number | undefined, counts: ReadonlyMap<AckHandle, number>): void {
    const inBatch: Entry[] = [];
    for (const [handle, n] of counts) {
      const e = this.entries.get(handle);
      if (!e) continue;
      e.unqueued -= n;
      if (seq !== undefined) {
        e.batches++;
        inBatch.push(e);
      }
      if (e.unqueued === 0) this.settleIfDone(e, true);
    }
    if (inBatch.length) this.byBatch.set(seq!, inBatch);
  }

  /** Batch `seq` left the queue for good (acknowledged, set aside, expired or dropped at the bound). */
  left(seq: number): void {
    const inBatch = this.byBatch.get(seq);
    if (!inBatch) return; // queued by an earlier run, or held no handle
    this.byBatch.delete(seq);
    for (const e of inBatch) {
      e.batches--;
      this.settleIfDone(e, false);
    }
  }

  /** Handles still waiting (for tests and the self-report). */
  get pending(): number {
    return this.entries.size;
  }

  private settleIfDone(e: Entry, justQueued: boolean): void {
    if (e.unqueued > 0) return;
    if (justQueued) e.handle.queued?.();
    if (e.batches > 0) return;
    this.entries.delete(e.handle);
    e.handle.settled?.();
  }
}
