// Follows one container's json-file log across rotations: holds every generation open from the
// moment it is seen until it is read to its end and acknowledged, reads them oldest first, and
// reports with each step how far each file is safely consumed. It never reopens by name to
// continue a file and never abandons unread bytes on a timer.
import { join } from 'node:path';
import type { CheckpointStore } from './checkpoint-store.ts';
import { scanEntries } from './json-file-entries.ts';
import { MessageAssembler, type AssemblerOptions, type Message } from './message-assembler.ts';
import { closeFile, currentName, fingerprintFile, identityOf, listGenerations, openGeneration, readAt, type OpenedFile } from './log-files.ts';

/** How far a file is consumed once the messages of this step are acknowledged. */
export type FileProgress = { key: string; offset: number; done: boolean; fingerprint?: string };

type Tracked = OpenedFile & { pos: number; rotated: boolean; ended: boolean; fingerprint?: string };

/** Bytes read per file per step, so one busy container cannot starve the others. */
const STEP_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BUFFER = 16 * 1024 * 1024;

export type TailerStep = { messages: Message[]; progress: FileProgress[]; bad: number; more: boolean };

export class JsonFileTailer {
  readonly id: string;
  readonly dir: string;
  private readonly store: CheckpointStore;
  private readonly assembler: MessageAssembler;
  private files: Tracked[] = [];
  /** gz generations already resolved (dev:inode → the key they continue, or skip). */
  private readonly seenGz = new Set<string>();
  /** Every file key this tailer followed, so their checkpoints can be forgotten with the container. */
  private readonly everKeys = new Set<string>();
  private stopped = false;
  private discovering: Promise<unknown> = Promise.resolve();
  removed = false;
  /** True once every file is read to its end, flushed and the container is gone. */
  finished = false;
  bytesRead = 0;

  constructor(opts: { id: string; dir: string; store: CheckpointStore; assembler: AssemblerOptions }) {
    this.id = opts.id;
    this.dir = opts.dir;
    this.store = opts.store;
    this.assembler = new MessageAssembler(opts.assembler);
  }

  /** Opens every generation not yet fully acknowledged (call as soon as the container is seen). */
  async open(): Promise<void> {
    await this.discover();
  }

  /** The container stopped: the next time its files are at their end, unfinished messages flush. */
  markStopped(): void {
    this.stopped = true;
  }

  markStarted(): void {
    this.stopped = false;
  }

  markRemoved(): void {
    this.removed = true;
    this.stopped = true;
  }

  get openFiles(): number {
    return this.files.length;
  }

  /** Bytes not yet read in files that are already rotated away or removed (at risk if released). */
  get unreadBytes(): number {
    return this.files.reduce((sum, f) => sum + (f.data ? f.data.length - f.pos : 0), 0);
  }

  /** Reads what is there (up to a step's worth) and returns the messages it completed. */
  async step(buf: { b: Buffer }): Promise<TailerStep> {
    const messages: Message[] = [];
    let bad = 0;
    let budget = STEP_BYTES;
    let more = false;
    if (this.files.length === 0) await this.discover();
    for (let i = 0; i < this.files.length && budget > 0; i++) {
      const f = this.files[i]!;
      if (f.ended) continue;
      // Only an end reached after the rotation was seen is final: bytes may land before it.
      const rotatedBefore = f.rotated;
      for (;;) {
        const n = await readAt(f, buf.b, f.pos);
        if (n === 0) break;
        if (f.pos === 0 && !f.fingerprint) f.fingerprint = await fingerprintFile(f);
        const r = scanEntries(buf.b, n, f.pos, f.key, (p) => this.assembler.push(p, messages));
        bad += r.bad;
        if (r.consumed === 0) {
          // A line longer than the buffer: grow it, or give the line up as corrupt (counted).
          if (n < buf.b.length) break;
          if (buf.b.length < MAX_LINE_BUFFER) buf.b = Buffer.allocUnsafe(buf.b.length * 2);
          else {
            f.pos += n;
            bad++;
          }
          continue;
        }
        f.pos += r.consumed;
        this.bytesRead += r.consumed;
        budget -= r.consumed;
        if (budget <= 0) {
          more = true;
          break;
        }
      }
      if (more) break;
      if (rotatedBefore) {
        f.ended = true;
        continue;
      }
      if (!f.rotated && i === this.files.length - 1) {
        const newer = await this.discover();
        if (!newer && !this.removed) break; // the live file, read to its current end
        f.rotated = true; // a newer generation exists, or the container is gone: nothing more comes
      }
      more = true; // read this file once more, now that its end is final
      break;
    }
    const atEnd = !more && this.files.every((f) => f.ended || (f === this.files[this.files.length - 1] && !this.removed));
    if (atEnd && this.stopped) this.assembler.flush(messages, true);
    else this.assembler.flush(messages, false);
    if (atEnd && this.removed && !this.assembler.pending) this.finished = true;
    return { messages, progress: this.progress(), bad, more };
  }

  /**
   * Opens generations not held yet, right away (called on every rename in the directory, so a
   * generation is pinned before the engine can delete it); serialised. True when it found any.
   */
  discover(): Promise<boolean> {
    const run = this.discovering.then(() => this.discoverNow());
    this.discovering = run.catch(() => false);
    return run;
  }

  private async discoverNow(): Promise<boolean> {
    const newest = this.files[this.files.length - 1];
    if (newest && !newest.gz && (await identityOf(join(this.dir, currentName(this.id)))) === newest.key) return false;
    const known = new Set(this.files.map((f) => f.key));
    let added = false;
    for (const g of await listGenerations(this.dir, this.id)) {
      if (g.gz && this.seenGz.has(`gz:${await identityOf(join(this.dir, g.name))}`)) continue;
      const f = await openGeneration(this.dir, g);
      if (!f) continue;
      if (known.has(f.key) || this.seenGz.has(f.key)) {
        await closeFile(f);
        continue;
      }
      const t = await this.adopt(f);
      if (!t) continue;
      for (const prev of this.files) prev.rotated = true;
      this.files.push(t);
      this.everKeys.add(t.key);
      known.add(t.key);
      added = true;
    }
    return added;
  }

  /** Decides where to start in a newly opened file from its checkpoint (or skips it if done). */
  private async adopt(f: OpenedFile): Promise<Tracked | undefined> {
    let key = f.key;
    const fingerprint = await fingerprintFile(f);
    let cp = this.store.file(key);
    if (f.gz) {
      this.seenGz.add(f.key);
      // The gzipped copy of a generation held open (or done) already: nothing new in it.
      if (fingerprint && this.files.some((t) => t.fingerprint === fingerprint)) cp = { container: this.id, offset: 0, done: true, updatedAt: 0 };
      else {
        const match = fingerprint ? this.store.byFingerprint(fingerprint) : undefined;
        if (match) [key, cp] = match;
      }
    } else if (cp?.fingerprint && fingerprint && cp.fingerprint !== fingerprint) {
      // The inode was reused by a different file: the old position means nothing here.
      this.store.forget(key);
      cp = undefined;
    }
    if (cp?.done) {
      await closeFile(f);
      return undefined;
    }
    const pos = cp?.offset ?? 0;
    return { ...f, key, pos, rotated: false, ended: false, fingerprint: fingerprint ?? cp?.fingerprint };
  }

  private progress(): FileProgress[] {
    const pending = new Map<string, number>();
    this.assembler.pendingStarts(pending);
    return this.files.map((f) => {
      const hold = pending.get(f.key);
      const offset = hold === undefined ? f.pos : Math.min(hold, f.pos);
      return { key: f.key, offset, done: f.ended && hold === undefined, fingerprint: f.fingerprint };
    });
  }

  /** The aggregator acknowledged up to here: files read to their end and acknowledged are let go. */
  async acked(p: FileProgress): Promise<void> {
    const i = this.files.findIndex((f) => f.key === p.key);
    if (i === -1) return;
    const f = this.files[i]!;
    if (p.done && f.ended) {
      this.files.splice(i, 1);
      await closeFile(f);
    }
  }

  async close(): Promise<void> {
    for (const f of this.files) await closeFile(f);
    this.files = [];
  }

  /** File keys this tailer followed (for forgetting their checkpoints once the container is gone). */
  keys(): string[] {
    return [...this.everKeys];
  }
}
