// Groups records into batches by count, bytes or age, separately for logs and Docker events (the
// record of what happened: never dropped) and for everything else (samples: dropped oldest first
// at the queue's bound), and hands each batch to the queue.
// A log batch the queue refuses at its bound stays here, whole, and is offered again each tick:
// add() tells the log reader to pause meanwhile, so memory stays bounded by about one batch.
import type { WireRecord } from '../../common/schema/index.ts';
import { encodeBatch } from '../../common/wire.ts';
import { QueueFullError, type BatchClass, type DiskQueue, type QueuedBatch } from './disk-queue.ts';

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
  private logsRefused = false;
  private readonly onQueued: (batch: QueuedBatch, records: WireRecord[]) => void;
  private readonly onError: (err: Error) => void;

  constructor(
    opts: BatcherOptions & {
      queue: DiskQueue;
      onQueued?: (batch: QueuedBatch, records: WireRecord[]) => void;
      onError?: (err: Error) => void;
    },
  ) {
    this.opts = opts;
    this.queue = opts.queue;
    this.onQueued = opts.onQueued ?? (() => {});
    this.onError = opts.onError ?? (() => {});
  }

  start(): void {
    this.timer = setInterval(
      () => this.flushDue().catch(this.onError),
      Math.max(50, Math.floor(this.opts.maxAgeMs / 4)),
    );
    this.timer.unref();
  }

  /**
   * Takes the records. Resolves true when the caller may go on reading, false when log batches
   * are being refused at the queue's bound: the records are held, and a log reader should pause
   * until acceptsLogs() is true again (its files stay the buffer). Rejects only on I/O errors.
   */
  async add(records: readonly WireRecord[]): Promise<boolean> {
    for (const r of records) {
      const cls: BatchClass = r.kind === 'log' || r.kind === 'event' ? 'logs' : 'metrics';
      const p = this.pending[cls];
      if (p.records.length === 0) p.since = Date.now();
      p.records.push(r);
      p.bytes += approxSize(r);
      if (p.records.length >= this.opts.maxRecords || p.bytes >= this.opts.maxBytes) await this.flush(cls);
    }
    return !this.logsRefused;
  }

  /** False while the queue refuses log batches; a log reader waits for true before reading on. */
  acceptsLogs(): boolean {
    return !this.logsRefused;
  }

  /** Records taken but not yet in the queue (a refused log batch waits here). */
  pendingRecords(): number {
    return this.pending.logs.records.length + this.pending.metrics.records.length;
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
      if (p.records.length > 0 && (now - p.since >= this.opts.maxAgeMs || (cls === 'logs' && this.logsRefused)))
        await this.flush(cls);
    }
  }

  /** Serialised so batches enter the queue in the order their records arrived. */
  private flush(cls: BatchClass): Promise<void> {
    const run = this.flushing.then(async () => {
      const p = this.pending[cls];
      if (p.records.length === 0) return;
      // At most one batch's worth: records held while logs were refused must not merge into a
      // batch larger than the queue could ever take.
      const records = p.records.slice(0, this.opts.maxRecords);
      const rest = p.records.slice(records.length);
      this.pending[cls] = {
        records: rest,
        bytes: rest.reduce((n, r) => n + approxSize(r), 0),
        since: rest.length ? p.since : 0,
      };
      try {
        const batch = await this.queue.enqueue(encodeBatch(records), cls, records.length);
        if (cls === 'logs') this.logsRefused = false;
        if (batch) this.onQueued(batch, records);
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        // Put the refused batch back in front of anything added since, so order is kept.
        const later = this.pending.logs;
        this.pending.logs = {
          records: [...records, ...later.records],
          bytes: records.reduce((n, r) => n + approxSize(r), later.bytes),
          since: p.since,
        };
        this.logsRefused = true;
      }
    });
    this.flushing = run.catch(() => {});
    return run;
  }
}

/** A cheap size estimate (the message dominates log records); exact size is known after encoding. */
function approxSize(r: WireRecord): number {
  return r.kind === 'log' ? r.message.length + 400 : 800;
}
