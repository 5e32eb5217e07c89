// Moves read positions forward only when the aggregator acknowledged the records they cover.
// Each read step registers what to do once acknowledged; its last record marks it. The shipper
// keeps several batches in flight, so acknowledgements arrive out of order: a position moves only
// past batches that are acknowledged (or set aside) together with every batch queued before them.
import type { WireRecord } from '../../../common/schema/index.ts';
import type { QueuedBatch } from '../../pipeline/disk-queue.ts';

type Step = { n: number; hasRecords: boolean; apply: () => void };

export class AckTracker {
  private readonly marks = new WeakMap<object, number>();
  private readonly steps: Step[] = [];
  /** Log batches in queue order: seq → the newest step whose last record it holds (0: none), and whether it is acknowledged. */
  private readonly batches = new Map<number, { n: number; acked: boolean }>();
  private nextStep = 1;
  private ackedStep = 0;

  /** Registers a step; `apply` runs once its records (and every earlier step's) are acknowledged. */
  step(records: readonly WireRecord[], apply: () => void): void {
    const n = this.nextStep++;
    const last = records[records.length - 1];
    if (last) this.marks.set(last, n);
    this.steps.push({ n, hasRecords: last !== undefined, apply });
    this.release();
  }

  onQueued(batch: QueuedBatch, records: readonly WireRecord[]): void {
    let max = 0;
    for (let i = records.length - 1; i >= 0; i--) {
      const n = this.marks.get(records[i]!);
      if (n !== undefined) {
        max = n;
        break;
      }
    }
    this.batches.set(batch.seq, { n: max, acked: false });
  }

  onAck(batch: QueuedBatch): void {
    const entry = this.batches.get(batch.seq);
    if (entry) entry.acked = true;
    // Map order is queue order (the batcher queues one batch at a time): stop at the first gap.
    for (const [seq, b] of this.batches) {
      if (!b.acked) break;
      this.ackedStep = Math.max(this.ackedStep, b.n);
      this.batches.delete(seq);
    }
    this.release();
  }

  get waiting(): number {
    return this.steps.length;
  }

  private release(): void {
    while (this.steps.length) {
      const s = this.steps[0]!;
      if (s.hasRecords && s.n > this.ackedStep) return;
      this.steps.shift();
      this.ackedStep = Math.max(this.ackedStep, s.n);
      s.apply();
    }
  }
}
