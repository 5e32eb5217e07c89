// The embedded default sink when no Elasticsearch is configured: a bounded local journal of
// segment files (journal-segments.ts: each batch as it was received, behind a frame header),
// fsynced per batch. At its bound it refuses batches (503: the collectors keep them) rather than
// dropping anything. `swarmscope replay` moves it into Elasticsearch later.
import { mkdir, open, readdir, rename, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { WireRecord } from '../../../common/schema/index.ts';
import { SinkUnavailable, type DurableSink, type RawBatch, type WriteOutcome } from '../sink.ts';
import { frameHeader, HEADER_BYTES, OPEN, SEGMENT, segmentName } from './journal-segments.ts';

const SEGMENT_BYTES = 64 * 1024 * 1024;

export class JournalSink implements DurableSink {
  readonly name = 'journal';
  readonly dir: string;
  private readonly maxBytes: number;
  private bytes = 0;
  private segment: { seq: number; fh: FileHandle; bytes: number } | undefined;
  private nextSeq = 1;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: { dir: string; maxBytes: number }) {
    this.dir = opts.dir;
    this.maxBytes = opts.maxBytes;
  }

  async start(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      const m = SEGMENT.exec(name);
      if (!m) continue;
      this.bytes += (await stat(join(this.dir, name))).size;
      this.nextSeq = Math.max(this.nextSeq, Number(m[1]) + 1);
      // Left open by a journal that did not close (a crash): complete now, a replay may take it.
      if (m[3]) await rename(join(this.dir, name), join(this.dir, name.slice(0, -OPEN.length)));
    }
  }

  ready(): boolean {
    return true;
  }

  usedBytes(): number {
    return this.bytes;
  }

  /** Appends are serialised so a batch's frame is contiguous and each fsync covers whole batches. */
  write(records: readonly WireRecord[], _batchId?: string, raw?: RawBatch): Promise<WriteOutcome> {
    const run = this.chain.then(() => this.append(records, raw));
    this.chain = run.catch(() => {});
    return run;
  }

  private async append(records: readonly WireRecord[], raw: RawBatch | undefined): Promise<WriteOutcome> {
    const { body, compression } = raw ?? {
      body: Buffer.from(records.map((r) => JSON.stringify(r) + '\n').join('')),
      compression: undefined,
    };
    let logs = 0;
    for (const r of records) if (r.kind === 'log') logs++;
    const header = frameHeader(body, records.length, logs, compression);
    const bytes = HEADER_BYTES + body.length;
    if (this.bytes + bytes > this.maxBytes) {
      throw new SinkUnavailable(
        `local journal in ${this.dir} is full (${this.maxBytes} bytes); configure SWARMSCOPE_ES_URL and run \`npm run replay\``,
        60,
      );
    }
    if (!this.segment || this.segment.bytes + bytes > SEGMENT_BYTES) await this.rotate();
    const seg = this.segment!;
    try {
      // A write short of the frame is a full disk (the next one would say ENOSPC).
      const { bytesWritten } = await seg.fh.writev([header, body]);
      if (bytesWritten !== bytes)
        throw Object.assign(new Error(`wrote ${bytesWritten} of ${bytes} bytes`), { code: 'ENOSPC' });
      await seg.fh.sync();
    } catch (err) {
      await this.cutBack(seg);
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      throw new SinkUnavailable(
        `local journal in ${this.dir}: the disk is full (${(err as Error).message}); free space there or lower SWARMSCOPE_JOURNAL_MAX_BYTES`,
        60,
        err,
      );
    }
    seg.bytes += bytes;
    this.bytes += bytes;
    return { held: records.length, setAside: 0 };
  }

  /**
   * A frame cut short would hide every frame after it from readers: the segment is cut back to its
   * last whole frame, or, if that fails too, left as it is and the next batch starts a new one.
   */
  private async cutBack(seg: { fh: FileHandle; bytes: number }): Promise<void> {
    try {
      await seg.fh.truncate(seg.bytes);
    } catch {
      await this.complete();
    }
  }

  private async rotate(): Promise<void> {
    await this.complete();
    const seq = this.nextSeq++;
    const fh = await open(join(this.dir, segmentName(seq) + OPEN), 'a');
    this.segment = { seq, fh, bytes: 0 };
  }

  /** Closes the segment being appended to and drops `.open` from its name. */
  private async complete(): Promise<void> {
    const seg = this.segment;
    if (!seg) return;
    this.segment = undefined;
    await seg.fh.close().catch(() => {});
    const name = join(this.dir, segmentName(seg.seq));
    await rename(name + OPEN, name);
  }

  async close(): Promise<void> {
    await this.chain;
    await this.complete();
  }
}
