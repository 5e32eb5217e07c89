// Groups records into batches by count, bytes or age, separately for logs and Docker events (the
// record of what happened: never dropped) and for everything else (samples: dropped oldest first
// at the queue's bound), and hands each batch to the queue.
// Records are encoded as they arrive (a filling batch holds bytes, not records the garbage
// collector would copy at each scavenge). A full batch is compressed and written while the next one
// fills (add() waits only for the batch before it), so reading goes on during a batch's
// compression and fsync; memory holds about two batches.
// A log batch the queue refuses at its bound stays here, whole, and is offered again each tick:
// add() tells the log reader to pause meanwhile (from the next full batch on), and
// whenAccepting() resolves once it may go on. Records may carry an acknowledgement handle: the
// ledger hears which batch took them.
import type { WireRecord } from '../../common/schema/index.ts';
import { compressBatch, type BatchCompression } from '../../common/wire.ts';
import { BatchEncoderV2 } from '../../common/wire-v2-encoder.ts';
import type { AckHandle, RecordWriter } from '../sources/source.ts';
import type { AckLedger } from './ack-ledger.ts';
import { QueueFullError, type BatchClass, type DiskQueue, type QueuedBatch } from './disk-queue.ts';

export type BatcherOptions = {
  maxRecords: number;
  maxBytes: number;
  maxAgeMs: number;
  /** How batches are compressed in the queue and on the wire (gzip when not given). */
  compression?: BatchCompression;
};

/** A batch being filled: its records encoded as they come, each with the handle it came with (undefined: none). */
type Filling = { enc: BatchEncoderV2; acks: (AckHandle | undefined)[]; first: WireRecord | undefined; since: number };
/** A batch closed (full, due by age, or refused by the queue and waiting to be offered again). */
type Sealed = { lines: Buffer; acks: (AckHandle | undefined)[]; records: number; first: WireRecord };

const filling = (sizeHint?: number): Filling => ({
  enc: new BatchEncoderV2(sizeHint),
  acks: [],
  first: undefined,
  since: 0,
});

/**
 * A new batch's buffer: the size its class's last batch reached and an eighth more, so that a
 * steady stream's batches fill it without growing (grown from 256 KiB, a batch of 5,000 lines of
 * 100 B allocated 1.8 MB and copied 0.8 MB to hold 0.9 MB), and an idle node's small batches hold
 * little.
 */
const nextSize = (last: number): number => Math.max(16 * 1024, last + (last >>> 3));

export class Batcher {
  private readonly filling: Record<BatchClass, Filling> = { logs: filling(), metrics: filling() };
  /** In queue order: a refused log batch goes back to the front. */
  private readonly sealed: Record<BatchClass, Sealed[]> = { logs: [], metrics: [] };
  private readonly ledger: AckLedger | undefined;
  /** Waiting for log batches to be taken again (resolved when they are, and at close). */
  private waiters: (() => void)[] = [];
  private readonly opts: BatcherOptions;
  private readonly queue: DiskQueue;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<unknown> = Promise.resolve();
  /** The last full batch handed to the queue from add(); the next full one waits for it (and its error). */
  private writing: Promise<void> = Promise.resolve();
  private logsRefused = false;
  /** flush() calls waiting to take a batch, per class (each takes one). */
  private readonly scheduled: Record<BatchClass, number> = { logs: 0, metrics: 0 };
  private readonly onQueued: (batch: QueuedBatch, first: WireRecord) => void;
  private readonly onError: (err: Error) => void;
  /** Log bytes encoded into closed batches so far. */
  private closedLogBytes = 0;

  constructor(
    opts: BatcherOptions & {
      queue: DiskQueue;
      /** Told of each handle's records as batches take them; without it handles are ignored. */
      ledger?: AckLedger;
      /** A batch entered the queue; `first` is its first record. */
      onQueued?: (batch: QueuedBatch, first: WireRecord) => void;
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
    // Checked every tenth of the age bound, so a batch leaves at most that long past it (a quarter
    // added up to 62 ms to a line's write → searchable time, whose target is 1.5 s at p99).
    this.timer = setInterval(
      () => this.flushDue().catch(this.onError),
      Math.max(10, Math.floor(this.opts.maxAgeMs / 10)),
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
      const before = this.put(r, handle);
      if (before) await before;
    }
    return !this.logsRefused;
  }

  /**
   * Takes records one at a time as a source makes them, under `ack`; close() resolves as add() does
   * (after waiting for the batch before the last one this writer filled, as add() waits).
   */
  open(ack: AckHandle): RecordWriter {
    const ledger = this.ledger;
    const handle = ledger ? ack : undefined;
    // Held until close(): batches of the records added so far may be queued and acknowledged while
    // the source still adds, and the handle must not settle before its last record is taken.
    ledger?.take(ack, 1);
    let before: Promise<void> | undefined;
    return {
      add: (r) => {
        ledger?.take(ack, 1);
        before = this.put(r, handle) ?? before;
      },
      close: async () => {
        ledger?.release(ack, 1);
        if (before) await before;
        return !this.logsRefused;
      },
    };
  }

  /**
   * Encodes r into its class's filling batch; when that is full, hands it on to be compressed and
   * queued, and gives the write of the batch before it to wait for (one batch fills while the last
   * is written).
   */
  private put(r: WireRecord, handle: AckHandle | undefined): Promise<void> | undefined {
    const cls: BatchClass = r.kind === 'log' || r.kind === 'event' ? 'logs' : 'metrics';
    const f = this.filling[cls];
    if (f.first === undefined) {
      f.first = r;
      f.since = Date.now();
    }
    f.enc.add(r);
    f.acks.push(handle);
    if (f.enc.records < this.opts.maxRecords && f.enc.bytes < this.opts.maxBytes) return undefined;
    this.seal(cls);
    const before = this.writing;
    const next = this.flush(cls);
    // Surfaced by the next full batch's wait, or by flushAll.
    next.catch(() => {});
    this.writing = next;
    return before;
  }

  /** Log bytes encoded so far, the filling batch's included (the heap policy reads their rate). */
  encodedLogBytes(): number {
    return this.closedLogBytes + this.filling.logs.enc.bytes;
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
    let n = 0;
    for (const cls of ['logs', 'metrics'] as const) {
      n += this.filling[cls].enc.records;
      for (const s of this.sealed[cls]) n += s.records;
    }
    return n;
  }

  /** Flushes both classes now (on close, or when a caller needs everything queued). */
  async flushAll(): Promise<void> {
    await this.writing;
    for (const cls of ['metrics', 'logs'] as const) {
      do await this.flush(cls);
      while (
        (this.sealed[cls].length > 0 || this.filling[cls].enc.records > 0) &&
        !(cls === 'logs' && this.logsRefused)
      );
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
      const f = this.filling[cls];
      // Closed batches no flush is on its way for (refused ones put back), then an old filling one.
      const backlog = this.sealed[cls].length > this.scheduled[cls];
      const aged = f.first !== undefined && now - f.since >= this.opts.maxAgeMs && this.scheduled[cls] === 0;
      if (backlog || aged) await this.flush(cls);
    }
  }

  /** Closes the filling batch of a class (nothing when it is empty). */
  private seal(cls: BatchClass): void {
    const f = this.filling[cls];
    if (f.first === undefined) return;
    if (cls === 'logs') this.closedLogBytes += f.enc.bytes;
    this.sealed[cls].push({ lines: f.enc.finish(), acks: f.acks, records: f.enc.records, first: f.first });
    this.filling[cls] = filling(nextSize(f.enc.bytes));
  }

  /**
   * Offers the oldest closed batch of the class to the queue (closing the filling one when none is).
   * Serialised so batches enter the queue in the order their records arrived.
   */
  private flush(cls: BatchClass): Promise<void> {
    this.scheduled[cls]++;
    const run = this.flushing.then(async () => {
      this.scheduled[cls]--;
      if (this.sealed[cls].length === 0) this.seal(cls);
      const b = this.sealed[cls].shift();
      if (!b) return;
      try {
        const compression = this.opts.compression ?? 'gzip';
        const body = await compressBatch(b.lines, compression);
        const batch = await this.queue.enqueue(body, cls, b.records, 2, compression);
        if (cls === 'logs' && this.logsRefused) {
          this.logsRefused = false;
          this.release();
        }
        if (this.ledger) this.ledger.queued(batch?.seq, countHandles(b.acks));
        if (batch) this.onQueued(batch, b.first);
      } catch (err) {
        if (!(err instanceof QueueFullError)) throw err;
        // Back in front of anything closed since, so order is kept.
        this.sealed.logs.unshift(b);
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
