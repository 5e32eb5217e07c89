// The collector's durable queue between batcher and shipper: one gzip NDJSON file per batch,
// written to a temp name, fsynced and renamed, so a crash leaves either the whole batch or none.
// Bounded by bytes and age; at the bound it drops the oldest metric batches (counted), and refuses
// log batches (the caller pauses log reading: the container's own log files stay the buffer).
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SwarmscopeError } from '../../common/errors.ts';

/** 'logs' batches are never dropped by the queue; 'metrics' batches are, oldest first, at the bound. */
export type BatchClass = 'logs' | 'metrics';

export type QueuedBatch = { seq: number; cls: BatchClass; records: number; bytes: number; createdAt: number; path: string };

export type QueueStats = { batches: number; bytes: number; oldestCreatedAt: number | undefined; droppedBatches: number; droppedRecords: number; expiredBatches: number };

export type DiskQueueOptions = {
  dir: string;
  maxBytes: number;
  /** Batches older than this are dropped unshipped (counted), whatever their class. */
  maxAgeMs: number;
  /** 'batch' fsyncs every batch and the directory (survives power loss); 'off' leaves it to the OS (survives a process crash). */
  fsync: 'batch' | 'off';
  now?: () => number;
};

const NAME = /^(\d{16})\.(logs|metrics)\.(\d+)\.(\d+)\.ndjson\.gz$/;

export class QueueFullError extends SwarmscopeError {}

export class DiskQueue {
  private readonly opts: DiskQueueOptions;
  private readonly now: () => number;
  private readonly batches: QueuedBatch[] = [];
  private bytes = 0;
  private nextSeq = 1;
  private droppedBatches = 0;
  private droppedRecords = 0;
  private expiredBatches = 0;

  constructor(opts: DiskQueueOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Re-opens what a previous run left (crash recovery) and removes half-written temp files. */
  async start(): Promise<void> {
    await mkdir(this.opts.dir, { recursive: true });
    for (const name of (await readdir(this.opts.dir)).sort()) {
      const path = join(this.opts.dir, name);
      const m = NAME.exec(name);
      if (!m) {
        if (name.endsWith('.tmp')) await rm(path, { force: true });
        continue;
      }
      const { size } = await stat(path);
      const seq = Number(m[1]);
      this.batches.push({ seq, cls: m[2] as BatchClass, records: Number(m[3]), createdAt: Number(m[4]), bytes: size, path });
      this.bytes += size;
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
    }
  }

  async enqueue(body: Buffer, cls: BatchClass, records: number): Promise<QueuedBatch> {
    await this.expire();
    await this.makeRoom(body.length, cls);
    const seq = this.nextSeq++;
    const createdAt = this.now();
    const path = join(this.opts.dir, `${String(seq).padStart(16, '0')}.${cls}.${records}.${createdAt}.ndjson.gz`);
    const tmp = `${path}.tmp`;
    try {
      if (this.opts.fsync === 'batch') {
        const fh = await open(tmp, 'w');
        try {
          await fh.writeFile(body);
          await fh.sync();
        } finally {
          await fh.close();
        }
        await rename(tmp, path);
        await this.syncDir();
      } else {
        await writeFile(tmp, body);
        await rename(tmp, path);
      }
    } catch (err) {
      await rm(tmp, { force: true });
      throw new SwarmscopeError('COL_ERR_QUEUE', `cannot write batch ${seq} to ${this.opts.dir}: ${(err as Error).message}`, {
        remedy: 'check that SWARMSCOPE_DATA_DIR is writable and has space',
        cause: err,
      });
    }
    const batch: QueuedBatch = { seq, cls, records, bytes: body.length, createdAt, path };
    this.batches.push(batch);
    this.bytes += body.length;
    return batch;
  }

  /** The oldest batch still waiting, without removing it. */
  peek(): QueuedBatch | undefined {
    return this.batches[0];
  }

  read(batch: QueuedBatch): Promise<Buffer> {
    return readFile(batch.path);
  }

  /** Removes a batch once the aggregator acknowledged it (or it was set aside). */
  async ack(batch: QueuedBatch): Promise<void> {
    const i = this.batches.indexOf(batch);
    if (i < 0) return;
    this.batches.splice(i, 1);
    this.bytes -= batch.bytes;
    await rm(batch.path, { force: true });
  }

  stats(): QueueStats {
    return {
      batches: this.batches.length,
      bytes: this.bytes,
      oldestCreatedAt: this.batches[0]?.createdAt,
      droppedBatches: this.droppedBatches,
      droppedRecords: this.droppedRecords,
      expiredBatches: this.expiredBatches,
    };
  }

  /** True when a batch of `bytes` would not fit even after dropping every metric batch. */
  wouldRefuseLogs(bytes: number): boolean {
    const logBytes = this.batches.filter((b) => b.cls === 'logs').reduce((n, b) => n + b.bytes, 0);
    return logBytes + bytes > this.opts.maxBytes;
  }

  private async makeRoom(bytes: number, cls: BatchClass): Promise<void> {
    while (this.bytes + bytes > this.opts.maxBytes) {
      const victim = this.batches.find((b) => b.cls === 'metrics');
      if (!victim) {
        throw new QueueFullError('COL_ERR_QUEUE', `queue at its bound (${this.opts.maxBytes} bytes) with only log batches; ${cls} batch refused`, {
          remedy: 'the aggregator is unreachable; log reading pauses until it drains (raise SWARMSCOPE_QUEUE_MAX_BYTES for a longer outage window)',
        });
      }
      this.droppedBatches++;
      this.droppedRecords += victim.records;
      await this.ack(victim);
    }
  }

  private async expire(): Promise<void> {
    const cutoff = this.now() - this.opts.maxAgeMs;
    while (this.batches[0] && this.batches[0].createdAt < cutoff) {
      const victim = this.batches[0];
      this.expiredBatches++;
      this.droppedRecords += victim.records;
      await this.ack(victim);
    }
  }

  private async syncDir(): Promise<void> {
    const fh = await open(this.opts.dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
