// Groups records into batches by count, bytes or age, separately for logs and for everything
// else (so the queue can treat them differently at its bound), and hands each batch to the queue.
import type { WireRecord } from '../../common/schema/index.ts';
import { encodeBatch } from '../../common/wire.ts';
import type { BatchClass, DiskQueue, QueuedBatch } from './disk-queue.ts';

export type BatcherOptions = { maxRecords: number; maxBytes: number; maxAgeMs: number };

type Pending = { records: WireRecord[]; bytes: number; since: number };

export class Batcher {
  private readonly pending: Record<BatchClass, Pending> = {
    logs: { records: [], bytes: 0, since: 0 },
    metrics: { records: [], bytes: 0, since: 0 },
  };
  private readonly opts: BatcherOptions;
  private readonly queue: DiskQueue;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<unknown> = Promise.resolve();
  private readonly onQueued: (batch: QueuedBatch, records: WireRecord[]) => void;

  constructor(opts: BatcherOptions & { queue: DiskQueue; onQueued?: (batch: QueuedBatch, records: WireRecord[]) => void }) {
    this.opts = opts;
    this.queue = opts.queue;
    this.onQueued = opts.onQueued ?? (() => {});
  }

  start(): void {
    this.timer = setInterval(() => void this.flushDue(), Math.max(50, Math.floor(this.opts.maxAgeMs / 4)));
    this.timer.unref();
  }

  /** Adds records; resolves once any batch they filled is durably queued. */
  async add(records: readonly WireRecord[]): Promise<void> {
    for (const r of records) {
      const cls: BatchClass = r.kind === 'log' ? 'logs' : 'metrics';
      const p = this.pending[cls];
      if (p.records.length === 0) p.since = Date.now();
      p.records.push(r);
      p.bytes += approxSize(r);
      if (p.records.length >= this.opts.maxRecords || p.bytes >= this.opts.maxBytes) await this.flush(cls);
    }
  }

  /** Flushes both classes now (on close, or when a caller needs everything queued). */
  async flushAll(): Promise<void> {
    await this.flush('metrics');
    await this.flush('logs');
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushAll();
  }

  private async flushDue(): Promise<void> {
    const now = Date.now();
    for (const cls of ['metrics', 'logs'] as const) {
      const p = this.pending[cls];
      if (p.records.length > 0 && now - p.since >= this.opts.maxAgeMs) await this.flush(cls);
    }
  }

  /** Serialised so batches enter the queue in the order their records arrived. */
  private flush(cls: BatchClass): Promise<void> {
    const run = this.flushing.then(async () => {
      const p = this.pending[cls];
      if (p.records.length === 0) return;
      const records = p.records;
      this.pending[cls] = { records: [], bytes: 0, since: 0 };
      const batch = await this.queue.enqueue(encodeBatch(records), cls, records.length);
      this.onQueued(batch, records);
    });
    this.flushing = run.catch(() => {});
    return run;
  }
}

/** A cheap size estimate (the message dominates log records); exact size is known after encoding. */
function approxSize(r: WireRecord): number {
  return r.kind === 'log' ? r.message.length + 400 : 800;
}
