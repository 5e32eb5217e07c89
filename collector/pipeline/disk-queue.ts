// The collector's durable queue between batcher and shipper: one compressed NDJSON file per batch,
// written to a temp name, fsynced and renamed, so a crash leaves either the whole batch or none.
// Bounded by bytes and age; what happens at each bound is counted (README "Delivery").
//
// fsync policy: with fsync 'batch' (default) every batch file and the directory entry are fsynced
// before enqueue() resolves, so a batch the batcher handed over survives power loss; with 'off'
// the OS decides when to write back, which survives a process crash (kill -9) but not power loss.
// Acknowledged batches are unlinked without fsync: after power loss one may come back and be
// re-sent, which the deterministic record ids make harmless.
//
// Disk bound policy (maxBytes): the oldest *metric* batches are dropped first, counted as
// dropped{reason="queue_full"}; when only log batches remain, a metric batch is dropped on arrival
// (counted the same way) and a log batch is refused with QueueFullError: the log reader pauses
// and the container's own log files stay the buffer, so no log line is lost at the bound.
// Age bound (maxAgeMs): batches older than it are dropped, counted as dropped{reason="expired"}.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SwarmscopeError } from '../../common/errors.ts';
import { writeFileAtomic } from '../durable-write.ts';
import type { Logger } from '../../common/logger.ts';
import type { BatchCompression, WireVersion } from '../../common/wire.ts';

/** 'logs' batches are never dropped at the byte bound; 'metrics' batches are, oldest first. */
export type BatchClass = 'logs' | 'metrics';

export type QueuedBatch = {
  seq: number;
  cls: BatchClass;
  records: number;
  bytes: number;
  createdAt: number;
  path: string;
  /** The batch encoding (common/wire.ts); named in the file name, `.v2.ndjson.*` for version 2. */
  wire: WireVersion;
  /** How the file is compressed, as sent: named by the extension, `.gz` or `.zst`. */
  compression: BatchCompression;
};

/** Why records left the queue without an acknowledgement (rejected = set aside by the shipper). */
export type DropReason = 'queue_full' | 'expired' | 'rejected';

export type QueueStats = {
  batches: number;
  bytes: number;
  oldestCreatedAt: number | undefined;
  droppedBatches: Record<DropReason, number>;
  droppedRecords: Record<DropReason, number>;
  /** Log batches refused at the bound (the log reader paused; nothing was lost). */
  refusedLogBatches: number;
  atBound: boolean;
};

export type DiskQueueOptions = {
  dir: string;
  maxBytes: number;
  /** Batches older than this are dropped unshipped (counted), whatever their class. */
  maxAgeMs: number;
  /** 'batch': fsync each batch file and the directory (survives power loss); 'off': survives a process crash only. */
  fsync: 'batch' | 'off';
  log?: Logger;
  now?: () => number;
  /** A batch left the queue for good: acknowledged, set aside (rejected), or dropped (queue_full, expired). */
  onLeft?: (batch: QueuedBatch, why: 'acknowledged' | DropReason) => void;
};

const NAME = /^(\d{16})\.(logs|metrics)\.(\d+)\.(\d+)(\.v2)?\.ndjson\.(gz|zst)$/;
const EXTENSION: Record<BatchCompression, string> = { gzip: 'gz', zstd: 'zst' };

type NamedParts = Pick<QueuedBatch, 'seq' | 'cls' | 'records' | 'createdAt' | 'wire' | 'compression'>;

/**
 * A queued batch's file name: `<seq>.<class>.<records>.<createdAt>[.v2].ndjson.<gz|zst>` (what a
 * restart reads back; a queue left by a collector that only wrote gzip reads as it was).
 */
export function batchFileName(b: NamedParts): string {
  const v2 = b.wire === 2 ? '.v2' : '';
  return `${String(b.seq).padStart(16, '0')}.${b.cls}.${b.records}.${b.createdAt}${v2}.ndjson.${EXTENSION[b.compression]}`;
}

/** What batchFileName put in a name; undefined for any other file (temp files, strays). */
export function parseBatchFileName(name: string): NamedParts | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return {
    seq: Number(m[1]),
    cls: m[2] as BatchClass,
    records: Number(m[3]),
    createdAt: Number(m[4]),
    wire: m[5] ? 2 : 1,
    compression: m[6] === 'zst' ? 'zstd' : 'gzip',
  };
}
/** The bound episode ends (and is logged as over) once usage falls below this share of maxBytes. */
const BOUND_RELEASE = 0.9;

export class QueueFullError extends SwarmscopeError {}

export class DiskQueue {
  private readonly opts: DiskQueueOptions;
  private readonly now: () => number;
  private readonly batches: QueuedBatch[] = [];
  private bytes = 0;
  private nextSeq = 1;
  private atBound = false;
  private refusedLogBatches = 0;
  /** Batches a sender holds (take → release): kept from the byte bound's drops. */
  private readonly sending = new Set<QueuedBatch>();
  private readonly droppedBatches: Record<DropReason, number> = { queue_full: 0, expired: 0, rejected: 0 };
  private readonly droppedRecords: Record<DropReason, number> = { queue_full: 0, expired: 0, rejected: 0 };

  constructor(opts: DiskQueueOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Re-opens what a previous run left (crash recovery) and removes half-written temp files. */
  async start(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    for (const name of (await readdir(this.opts.dir)).sort()) {
      const path = join(this.opts.dir, name);
      const parts = parseBatchFileName(name);
      if (!parts) {
        if (name.endsWith('.tmp')) await rm(path, { force: true });
        continue;
      }
      const { size } = await stat(path);
      this.batches.push({ ...parts, bytes: size, path });
      this.bytes += size;
      this.nextSeq = Math.max(this.nextSeq, parts.seq + 1);
    }
  }

  /**
   * Durably queues one batch. Returns undefined when a metric batch had to be dropped on arrival
   * (counted); throws QueueFullError when a log batch cannot be taken (the caller pauses reading).
   */
  async enqueue(
    body: Buffer,
    cls: BatchClass,
    records: number,
    wire: WireVersion = 1,
    compression: BatchCompression = 'gzip',
  ): Promise<QueuedBatch | undefined> {
    await this.expire();
    if (!(await this.makeRoom(body.length, cls))) {
      if (cls === 'logs') {
        this.refusedLogBatches++;
        throw new QueueFullError(
          'COL_ERR_QUEUE_FULL',
          `queue at its bound (${this.opts.maxBytes} bytes) holding only log batches; log batch refused`,
          {
            remedy:
              'log reading pauses until the aggregator drains the queue (raise SWARMSCOPE_QUEUE_MAX_BYTES for a longer outage window)',
          },
        );
      }
      this.count('queue_full', 1, records);
      return undefined;
    }
    const seq = this.nextSeq++;
    const createdAt = this.now();
    const path = join(this.opts.dir, batchFileName({ seq, cls, records, createdAt, wire, compression }));
    const tmp = `${path}.tmp`;
    try {
      if (this.opts.fsync === 'batch') {
        await writeFileAtomic(path, body, { syncDir: true });
      } else {
        await writeFile(tmp, body);
        await rename(tmp, path);
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw new SwarmscopeError(
        'COL_ERR_QUEUE',
        `cannot write batch ${seq} to ${this.opts.dir}: ${(err as Error).message}`,
        {
          remedy: 'check that SWARMSCOPE_DATA_DIR is writable and has space',
          cause: err,
        },
      );
    }
    const batch: QueuedBatch = { seq, cls, records, bytes: body.length, createdAt, path, wire, compression };
    this.batches.push(batch);
    this.bytes += body.length;
    return batch;
  }

  /** The oldest batch still waiting, without removing it. */
  peek(): QueuedBatch | undefined {
    return this.batches[0];
  }

  /**
   * The oldest batch no sender holds, now held by the caller until `release` (or its ack or
   * rejection). A held batch is never dropped at the byte bound: its send may succeed, and a
   * batch both delivered and counted as dropped would make the loss count wrong.
   */
  take(): QueuedBatch | undefined {
    const batch = this.batches.find((b) => !this.sending.has(b));
    if (batch) this.sending.add(batch);
    return batch;
  }

  /** The sender is done with a batch it took (sent, or to be tried again later). */
  release(batch: QueuedBatch): void {
    this.sending.delete(batch);
  }

  read(batch: QueuedBatch): Promise<Buffer> {
    return readFile(batch.path);
  }

  /** Removes a batch once the aggregator acknowledged it. */
  async ack(batch: QueuedBatch): Promise<void> {
    await this.remove(batch, 'acknowledged');
    this.releaseBound();
  }

  /** Removes a batch the aggregator refused as malformed (the shipper already moved its file aside). */
  async reject(batch: QueuedBatch): Promise<void> {
    if (!this.batches.includes(batch)) return;
    this.count('rejected', 1, batch.records);
    await this.remove(batch, 'rejected');
    this.releaseBound();
  }

  /** Whether a log batch of `bytes` would be taken now; a log reader checks this before reading on. */
  acceptsLogs(bytes = 0): boolean {
    const logBytes = this.batches.reduce((n, b) => (b.cls === 'logs' ? n + b.bytes : n), 0);
    return logBytes + bytes <= this.opts.maxBytes;
  }

  stats(): QueueStats {
    return {
      batches: this.batches.length,
      bytes: this.bytes,
      oldestCreatedAt: this.batches[0]?.createdAt,
      droppedBatches: { ...this.droppedBatches },
      droppedRecords: { ...this.droppedRecords },
      refusedLogBatches: this.refusedLogBatches,
      atBound: this.atBound,
    };
  }

  /** Frees space by dropping the oldest metric batches; false if `bytes` still does not fit. */
  private async makeRoom(bytes: number, cls: BatchClass): Promise<boolean> {
    while (this.bytes + bytes > this.opts.maxBytes) {
      this.enterBound(cls);
      const victim = this.batches.find((b) => b.cls === 'metrics' && !this.sending.has(b));
      if (!victim) return false;
      this.count('queue_full', 1, victim.records);
      await this.remove(victim, 'queue_full');
    }
    return true;
  }

  private async expire(): Promise<void> {
    const cutoff = this.now() - this.opts.maxAgeMs;
    // Batches are in creation order: the scan stops at the first one young enough. A batch being
    // sent is left to its send: it is acknowledged, or expires once it is back.
    const expired: QueuedBatch[] = [];
    for (const b of this.batches) {
      if (b.createdAt >= cutoff) break;
      if (!this.sending.has(b)) expired.push(b);
    }
    for (const victim of expired) {
      this.count('expired', 1, victim.records);
      this.opts.log?.warn(
        { batch: victim.seq, cls: victim.cls, records: victim.records, maxAgeMs: this.opts.maxAgeMs },
        'queued batch older than SWARMSCOPE_QUEUE_MAX_AGE dropped unshipped',
      );
      await this.remove(victim, 'expired');
    }
  }

  private async remove(batch: QueuedBatch, why: 'acknowledged' | DropReason): Promise<void> {
    const i = this.batches.indexOf(batch);
    if (i < 0) return;
    this.batches.splice(i, 1);
    this.bytes -= batch.bytes;
    await rm(batch.path, { force: true });
    this.opts.onLeft?.(batch, why);
  }

  private count(reason: DropReason, batches: number, records: number): void {
    this.droppedBatches[reason] += batches;
    this.droppedRecords[reason] += records;
  }

  /** Logged once per episode, not once per dropped batch. */
  private enterBound(cls: BatchClass): void {
    if (this.atBound) return;
    this.atBound = true;
    this.opts.log?.warn(
      { maxBytes: this.opts.maxBytes, queuedBytes: this.bytes, trigger: cls },
      'durable queue reached its bound: dropping the oldest metric batches (counted) and pausing log reading until it drains',
    );
  }

  private releaseBound(): void {
    if (!this.atBound || this.bytes > this.opts.maxBytes * BOUND_RELEASE) return;
    this.atBound = false;
    this.opts.log?.warn(
      { queuedBytes: this.bytes, dropped: this.droppedRecords },
      'durable queue below its bound again: log reading resumes',
    );
  }
}
