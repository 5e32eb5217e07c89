// Groups records into batches by count, bytes or age, separately for logs and Docker events (the
// record of what happened: never dropped) and for everything else (samples: dropped oldest first
// at the queue's bound), and hands each batch to the queue.
// A full batch is encoded and written while the next one fills (add() waits only for the batch
// before it), so reading goes on during a batch's gzip and fsync; memory holds about two batches.
// A log batch the queue refuses at its bound stays here, whole, and is offered again each tick:
// add() tells the log reader to pause meanwhile (from the next full batch on), and
// whenAccepting() resolves once it may go on. Records may carry an acknowledgement handle: the
// ledger hears which batch took them.
import type { WireRecord } from '../../common/schema/index.ts';
import { encodeBatchV2 } from '../../common/wire.ts';
import type { AckHandle } from '../sources/source.ts';
import type { AckLedger } from './ack-ledger.ts';
import { QueueFullError, type BatchClass, type DiskQueue, type QueuedBatch } from './disk-queue.ts';

export type BatcherOptions = { maxRecords: number; maxBytes: number; maxAgeMs: number };

/** Records waiting for a batch, each with the handle it was added with (undefined: none). */
type Pending = { records: WireRecord[]; acks: (AckHandle | undefined)[]; bytes: number; since: number };

export class Batcher {
  private readonly pending: Record<BatchClass, Pending> = {
    logs: { records: [], acks: [], bytes: 0, since: 0 },
    metrics: { records: [], acks: [], bytes: 0, since: 0 },
  };
  private readonly ledger: AckLedger | undefined;
  /** Waiting for log batches to be taken again (resolved when they are, and at close). */
  private waiters: (() => void)[] = [];
  private readonly opts: BatcherOptions;
  private readonly queue: DiskQueue;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<unknown> = Promise.resolve();
  /** The last full batch handed to the queue from add(); the next full one waits for it (and its error). */
  private writing: Promise<void> = Promise.resolve();
  /** A flush is scheduled for the class and has not yet taken its records. */
  private readonly due: Record<BatchClass, boolean> = { logs: false, metrics: false };
  private logsRefused = false;
  private readonly onQueued: (batch: QueuedBatch, records: WireRecord[]) => void;
  private readonly onError: (err: Error) => void;

  constructor(
    opts: BatcherOptions & {
      queue: DiskQueue;
      /** Told of each handle's records as batches take them; without it handles are ignored. */
      ledger?: AckLedger;
      onQueued?: (batch: QueuedBatch, records: WireRecord[]) => void;
      onError?: (err: Error) => void;
    },
  ) {
    this.opts = opts;
    this.queue = opts.queue;
    this.ledger = opts.ledger;
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
   * Takes the records (with `ack`, told through the ledger when they are queued and settled).
   * Resolves true when the caller may go on reading, false when log batches are being refused at
   * the queue's bound: the records are held, and a log reader should await whenAccepting() (its
   * files stay the buffer). Rejects only on I/O errors.
   */
  async add(records: readonly WireRecord[], ack?: AckHandle): Promise<boolean> {
    if (ack && this.ledger) this.ledger.take(ack, records.length);
    const handle = this.ledger ? ack : undefined;
    for (const r of records) {
      const cls: BatchClass = r.kind === 'log' || r.kind === 'event' ? 'logs' : 'metrics';
      const p = this.pending[cls];
      if (p.records.length === 0) p.since = Date.now();
      p.records.push(r);
      p.acks.push(handle);
      p.bytes += approxSize(r);
      if ((p.records.length >= this.opts.maxRecords || p.bytes >= this.opts.maxBytes) && !this.due[cls]) {
        this.due[cls] = true;
        const before = this.writing;
        const next = this.flush(cls);
        // Surfaced by the next full batch's wait, or by flushAll.
        next.catch(() => {});
        this.writing = next;
        await before;
      }
    }
    return !this.logsRefused;
  }

  /** False while the queue refuses log batches. */
  acceptsLogs(): boolean {
    return !this.logsRefused;
  }

  /** Resolves once log batches are taken again (at once when they are); also when the batcher closes. */
  whenAccepting(): Promise<void> {
    if (!this.logsRefused || !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Records taken but not yet in the queue (a refused log batch waits here). */
  pendingRecords(): number {
    return this.pending.logs.records.length + this.pending.metrics.records.length;
  }

  /** Flushes both classes now (on close, or when a caller needs everything queued). */
  async flushAll(): Promise<void> {
    await this.writing;
    // Two batches' worth may wait (one filled while the one before was being written).
    for (const cls of ['metrics', 'logs'] as const) {
      do await this.flush(cls);
      while (this.pending[cls].records.length > 0 && !(cls === 'logs' && this.logsRefused));
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushAll();
    this.release();
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
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
      this.due[cls] = false;
      if (p.records.length === 0) return;
      // At most one batch's worth: records held while logs were refused must not merge into a
      // batch larger than the queue could ever take.
      const records = p.records.slice(0, this.opts.maxRecords);
      const acks = p.acks.slice(0, records.length);
      const rest = p.records.slice(records.length);
      this.pending[cls] = {
        records: rest,
        acks: p.acks.slice(records.length),
        bytes: sizeOf(rest),
        since: rest.length ? p.since : 0,
      };
      try {
        const batch = await this.queue.enqueue(await encodeBatchV2(records), cls, records.length, 2);
        if (cls === 'logs' && this.logsRefused) {
          this.logsRefused = false;
          this.release();
        }
        if (this.ledger) this.ledger.queued(batch?.seq, countHandles(acks));
        if (batch) this.onQueued(batch, records);
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        // Put the refused batch back in front of anything added since, so order is kept.
        const later = this.pending.logs;
        this.pending.logs = {
          records: [...records, ...later.records],
          acks: [...acks, ...later.acks],
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

function countHandles(acks: readonly (AckHandle | undefined)[]): Map<AckHandle, number> {
  const counts = new Map<AckHandle, number>();
  for (const a of acks) if (a) counts.set(a, (counts.get(a) ?? 0) + 1);
  return counts;
}

function sizeOf(records: readonly WireRecord[]): number {
  let n = 0;
  for (let i = 0; i < records.length; i++) n += approxSize(records[i]!);
  return n;
}

/** A cheap size estimate (the message dominates log records); exact size is known after encoding. */
function approxSize(r: WireRecord): number {
  return r.kind === 'log' ? r.message.length + 400 : 800;
}
