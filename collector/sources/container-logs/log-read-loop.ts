// Reads the followed containers' logs and hands the records to the pipeline: one json-file step at
// a time over the containers with something to read (reads share one buffer and keep arrival
// order), API readers' messages as they come. Positions advance when the records are acknowledged;
// when the queue refuses logs, reading pauses until it takes them again.
import type { Logger } from '../../../common/logger.ts';
import type { NodeRef, WireRecord } from '../../../common/schema/index.ts';
import type { AckHandle, RecordWriter } from '../source.ts';
import { AckTracker } from './ack-tracker.ts';
import type { ApiStep } from './api-log-reader.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import type { FollowedContainers, FileFollow } from './followed-containers.ts';
import { STEP_BYTES, type FileProgress, type JsonFileTailer, type LossCounts } from './json-file-tailer.ts';
import type { Message } from './message-assembler.ts';
import { LogRecordBuilder, type RecordCounts } from './log-record.ts';
import { LossAccounting } from './loss-accounting.ts';

export type ReadCounts = RecordCounts &
  LossCounts & { records: number; bytesRead: number; badLines: number; pauses: number; readErrors: number };

/** What the read loop needs of the pipeline and the agent (the source's options share them). */
export type ReadingOptions = {
  node: () => NodeRef;
  /** Hands records to the pipeline with their ack handle; false = the queue refuses logs now (records held: pause reading). */
  emit: (records: WireRecord[], ack: AckHandle) => Promise<boolean>;
  /** The same, one record at a time as they are made (a file step's records: see SourceContext.emitEach). */
  emitEach: (ack: AckHandle) => RecordWriter;
  /** Resolves once the queue takes log batches again (at once when it does). */
  ready: () => Promise<void>;
  log: Logger;
  /** Every followed file is read at least this often (a safety net under the directory watches). */
  pollIntervalMs: number;
};

export type LogReadLoopOptions = ReadingOptions & {
  followed: FollowedContainers;
  store: CheckpointStore;
  counts: ReadCounts;
  isClosed: () => boolean;
};

/** The shortest time between two passes woken by writes: a line waits at most this long more (batches wait 250 ms). */
const GATHER_MS = 20;

export class LogReadLoop {
  private readonly opts: LogReadLoopOptions;
  private readonly acks = new AckTracker();
  private readonly records: LogRecordBuilder;
  private readonly losses: LossAccounting;
  /** Containers with something to read (or a state change to act on) since their last step. */
  private readonly toRead = new Set<string>();
  /** Ends the loop's idle wait (set while it waits). */
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  /** One step's read (a longer line grows it). */
  private readonly buf = { b: Buffer.allocUnsafe(STEP_BYTES) };
  /** When the last pass over the containers to read began, and whether a step of it left a backlog. */
  private lastPass = 0;
  private backlog = false;

  constructor(opts: LogReadLoopOptions) {
    this.opts = opts;
    this.records = new LogRecordBuilder(opts.node, opts.counts);
    this.losses = new LossAccounting(opts.counts, opts.log);
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const id of this.opts.followed.fileFollowedIds()) this.toRead.add(id);
      this.endIdleWait();
    }, this.opts.pollIntervalMs);
    this.loop = this.run();
  }

  /** The container has something to read: the loop reads it soon. */
  readSoon(id: string): void {
    this.toRead.add(id);
    this.endIdleWait();
  }

  /** Nothing of the container is waiting to be read, and nothing read is waiting for its acknowledgement. */
  settled(id: string): boolean {
    return !this.toRead.has(id) && this.acks.inFlight === 0;
  }

  private endIdleWait(): void {
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.opts.isClosed()) {
      await this.opts.ready(); // the queue is at its bound: the log files are the buffer meanwhile
      if (this.toRead.size === 0) {
        await new Promise<void>((r) => {
          this.wakeUp = r;
          setTimeout(r, this.opts.pollIntervalMs);
        });
        this.wakeUp = undefined;
        continue;
      }
      // Woken by a write (a watch event per write: thousands a second across busy containers), the
      // pass waits until GATHER_MS after the last one began, so that a step reads what many writes
      // added. A backlog (a step stopped at its budget) is read at once.
      const wait = this.lastPass + GATHER_MS - Date.now();
      if (wait > 0 && !this.backlog) {
        await new Promise((r) => setTimeout(r, wait));
        continue;
      }
      this.lastPass = Date.now();
      this.backlog = false;
      const ids = [...this.toRead];
      this.toRead.clear();
      for (const [i, id] of ids.entries()) {
        if (this.opts.isClosed()) break;
        const f = this.opts.followed.fileFollow(id);
        if (f && !(await this.readFileStep(id, f))) {
          for (const rest of ids.slice(i + 1)) this.toRead.add(rest);
          break;
        }
      }
    }
  }

  /** Reads one step of a container's files; false when the queue refused its records (pause). */
  private async readFileStep(id: string, f: FileFollow): Promise<boolean> {
    const tailer = f.tailer;
    if (tailer.finished) return true; // drained; waits for its acknowledgement to be let go
    const before = tailer.bytesRead;
    // Each message becomes a record and enters its batch as the step completes it: held to the
    // step's end, a step's messages and records outlived the young generation and were promoted.
    // The handle hears nothing before close(), by when the step's progress is known.
    const done: { progress: FileProgress[]; finished: boolean } = { progress: [], finished: false };
    const ack = this.acks.whenAcknowledged(() => this.applyFileProgress(id, tailer, done.progress, done.finished));
    const writer = this.opts.emitEach(ack);
    let records = 0;
    const out = {
      push: (m: Message) => {
        records++;
        writer.add(this.records.fromFile(f.meta, m, tailer));
      },
    };
    let step;
    try {
      step = await tailer.step(this.buf, out);
    } catch (err) {
      this.opts.counts.readErrors++;
      this.opts.log.warn({ container: id, err: (err as Error).message }, 'reading the container log failed; retrying');
    }
    if (step) {
      this.opts.counts.badLines += step.bad;
      done.progress = step.progress;
      done.finished = tailer.finished;
      if (step.more) {
        this.toRead.add(id);
        this.backlog = true;
      }
    }
    this.losses.addNewLosses(tailer);
    this.opts.counts.bytesRead += tailer.bytesRead - before;
    this.opts.counts.records += records;
    if (await writer.close()) return true;
    this.opts.counts.pauses++;
    return false;
  }

  private applyFileProgress(id: string, tailer: JsonFileTailer, progress: FileProgress[], finished: boolean): void {
    for (const p of progress) {
      this.opts.store.advanceFile(p.key, id, p.offset, { done: p.done, fingerprint: p.fingerprint, size: p.size });
      void tailer.onAcknowledged(p);
    }
    if (finished) this.opts.followed.letGoOfDrained(id, tailer);
  }

  /** Ships an API reader's messages; its position advances once they are acknowledged. */
  async shipApiStep(id: string, s: ApiStep): Promise<void> {
    const meta = this.opts.followed.apiMeta(id);
    if (!meta) return;
    const records = s.messages.map((m) => this.records.fromApi(meta, m));
    const cursor = s.cursor;
    const ack = this.acks.whenAcknowledged(() => cursor && this.opts.store.advanceApiCursor(id, cursor));
    // An API stream has no file to be the buffer: hold it until the queue takes logs again.
    if (!(await this.submit(records, ack))) await this.opts.ready();
  }

  /** False when the queue refused the records (held by the pipeline): the reader pauses. */
  private async submit(records: WireRecord[], ack: AckHandle): Promise<boolean> {
    this.opts.counts.records += records.length;
    if (await this.opts.emit(records, ack)) return true;
    this.opts.counts.pauses++;
    return false;
  }

  /** Stops reading: the loop ends after its current step. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.endIdleWait();
    await this.loop;
  }
}
