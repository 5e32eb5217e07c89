// The embedded default sink when no Elasticsearch is configured: a bounded local journal of
// NDJSON segment files, fsynced per batch. At its bound it refuses batches (503: the collectors
// keep them) rather than dropping anything. `swarmscope replay` moves it into Elasticsearch later.
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { WireRecord } from '../../../common/schema/index.ts';
import { SinkUnavailable, type DurableSink, type WriteOutcome } from '../sink.ts';

const SEGMENT_BYTES = 64 * 1024 * 1024;
export const SEGMENT = /^journal-(\d{12})\.ndjson$/;

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
    }
  }

  ready(): boolean {
    return true;
  }

  usedBytes(): number {
    return this.bytes;
  }

  /** Appends are serialised so a batch's lines are contiguous and each fsync covers whole batches. */
  write(records: readonly WireRecord[], _batchId?: string, ndjson?: string | (() => Buffer)): Promise<WriteOutcome> {
    const run = this.chain.then(() => this.append(records, typeof ndjson === 'function' ? ndjson() : ndjson));
    this.chain = run.catch(() => {});
    return run;
  }

  private async append(records: readonly WireRecord[], ndjson: string | Buffer | undefined): Promise<WriteOutcome> {
    const text = ndjson ?? records.map((r) => JSON.stringify(r)).join('\n');
    const body = Buffer.isBuffer(text) ? text : Buffer.from(text.endsWith('\n') ? text : text + '\n');
    if (this.bytes + body.length > this.maxBytes) {
      throw new SinkUnavailable(
        `local journal in ${this.dir} is full (${this.maxBytes} bytes); configure SWARMSCOPE_ES_URL and run \`npm run replay\``,
        60,
      );
    }
    if (!this.segment || this.segment.bytes + body.length > SEGMENT_BYTES) await this.rotate();
    const seg = this.segment!;
    await seg.fh.write(body);
    await seg.fh.sync();
    seg.bytes += body.length;
    this.bytes += body.length;
    return { held: records.length, setAside: 0 };
  }

  private async rotate(): Promise<void> {
    await this.segment?.fh.close();
    const seq = this.nextSeq++;
    const fh = await open(join(this.dir, `journal-${String(seq).padStart(12, '0')}.ndjson`), 'a');
    this.segment = { seq, fh, bytes: 0 };
  }

  async close(): Promise<void> {
    await this.chain;
    await this.segment?.fh.close();
    this.segment = undefined;
  }
}
