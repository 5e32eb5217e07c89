// Moves read positions forward only when the aggregator acknowledged the records they cover.
// Each read step registers what to do once acknowledged; its last record marks it. The queue
// ships in order, so a batch acknowledged (or set aside) means every earlier batch is gone too.
import type { WireRecord } from '../../../common/schema/index.ts';
import type { QueuedBatch } from '../../pipeline/disk-queue.ts';

type Step = { n: number; hasRecords: boolean; apply: () => void };

export class AckTracker {
  private readonly marks = new WeakMap<object, number>();
  private readonly steps: Step[] = [];
  /** Batch seq → the newest step whose last record it holds. */
  private readonly batches = new Map<number, number>();
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
    if (max) this.batches.set(batch.seq, max);
  }

  onAck(batch: QueuedBatch): void {
    for (const [seq, n] of this.batches) {
      if (seq > batch.seq) continue;
      this.ackedStep = Math.max(this.ackedStep, n);
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
