// Follows one container's json-file log across rotations: holds every generation open from the
// moment it is seen until it is read to its end and acknowledged, reads them oldest first, and
// reports with each step how far each file is safely consumed. It never reopens by name to
// continue a file and never abandons unread bytes on a timer.
import { join } from 'node:path';
import type { CheckpointStore } from './checkpoint-store.ts';
import { scanEntries } from './json-file-entries.ts';
import { MessageAssembler, type AssemblerOptions, type Message } from './message-assembler.ts';
import {
  closeFile,
  currentName,
  fingerprintFile,
  identityOf,
  listGenerations,
  openGeneration,
  readAt,
  type Generation,
  type OpenedFile,
} from './log-files.ts';
import type { LogPinner } from './log-pinner.ts';

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
  /** gz generations already resolved: their `gz:dev:inode` → the key of the data they hold. */
  private readonly gzResolved = new Map<string, string>();
  /** dev:inode of every generation looked at (held, resolved or done), to know when a pin is new. */
  private readonly handled = new Set<string>();
  /** Removed, and every pin the worker made is known here (see step). */
  private pinsSynced = false;
  /** A gz generation was still being written at the last look. */
  private gzPending = false;
  /** Every file key this tailer followed, so their checkpoints can be forgotten with the container. */
  private readonly everKeys = new Set<string>();
  private stopped = false;
  private discovering: Promise<unknown> = Promise.resolve();
  removed = false;
  /** True once every file is read to its end, flushed and the container is gone. */
  finished = false;
  bytesRead = 0;
  /** The last step found every file read to its (current) end. */
  atEnd = false;

  private readonly pinner: LogPinner | undefined;

  constructor(opts: {
    id: string;
    dir: string;
    store: CheckpointStore;
    assembler: AssemblerOptions;
    pinner?: LogPinner;
  }) {
    this.pinner = opts.pinner;
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
    let live: Tracked | undefined;
    if (this.removed && !this.pinsSynced && this.pinner) {
      // Gone: whatever the worker pinned of it must be known here before its end can be final.
      await this.pinner.sync(this.dir);
      this.pinsSynced = true;
    }
    await this.discover(); // cheap while the newest held file is still the live one
    for (let i = 0; i < this.files.length; i++) {
      const f = this.files[i]!;
      if (f.ended) continue;
      // Only an end reached after the file was seen to be final is its end: bytes may land before.
      const finalBefore = f.rotated;
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
      if (finalBefore) {
        f.ended = true;
        continue;
      }
      if (await this.isFinal(f)) {
        // The engine closes a file before renaming it: once the path names another file (or the
        // container is gone), nothing more lands in this one. Read it once more, to its real end.
        f.rotated = true;
        i--;
        continue;
      }
      live = f; // the live file, read to its current end
    }
    // The newest held file turned out final: its successor is there already (or the container is gone).
    if (!more && !live && !this.removed) more = await this.discover();
    const atEnd = !more && this.files.every((f) => f.ended || f === live);
    this.atEnd = atEnd;
    if (atEnd && this.stopped) this.assembler.flush(messages, true);
    else this.assembler.flush(messages, false);
    if (atEnd && this.removed && !live && !this.assembler.pending) this.finished = true;
    return { messages, progress: this.progress(), bad, more };
  }

  private async isFinal(f: Tracked): Promise<boolean> {
    return f.gz || this.removed || (await identityOf(join(this.dir, currentName(this.id)))) !== f.key;
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
    // Nothing new while the newest held file is still the live one, unless a pin came in that was not
    // looked at yet (its message can arrive after the listing that no longer shows the file).
    const pinsSeen = (this.pinner?.pinned(this.dir) ?? []).every((p) => this.handled.has(p.key));
    if (
      !this.gzPending &&
      pinsSeen &&
      newest &&
      !newest.gz &&
      (await identityOf(join(this.dir, currentName(this.id)))) === newest.key
    )
      return false;
    this.gzPending = false;
    // Generations listed now (with their dev:inode), after those pinned but gone from the directory
    // (renamed away or deleted since: older than every listed one).
    const gens: Array<Generation & { raw?: string }> = [];
    for (const g of await listGenerations(this.dir, this.id))
      gens.push({ ...g, raw: await identityOf(join(this.dir, g.name)) });
    const listedRaw = new Set(gens.map((g) => g.raw));
    const gone = (this.pinner?.pinned(this.dir) ?? []).filter((p) => !listedRaw.has(p.key));
    gens.unshift(
      ...gone.map((p) => ({
        name: p.name,
        n: Infinity,
        gz: p.name.endsWith('.gz'),
        raw: p.key,
        path: `/proc/self/fd/${p.fd}`,
      })),
    );
    const keyOf = (g: { gz: boolean; raw?: string }) =>
      g.gz ? (this.gzResolved.get(`gz:${g.raw}`) ?? `gz:${g.raw}`) : g.raw;
    const listed = new Set(gens.map(keyOf));
    let at = 0;
    this.files.forEach((f, i) => {
      if (!listed.has(f.key)) at = i + 1;
    });
    let added = false;
    // A gz still being written is hidden behind its plain twin in the listing: it is not gone, keep its pin.
    const incomplete = new Set<string>();
    for (const g of gens) {
      if (!g.raw) continue;
      const resolved = g.gz ? this.gzResolved.get(`gz:${g.raw}`) : undefined;
      const held = this.files.findIndex((f) => f.key === (resolved ?? g.raw));
      if (held !== -1) at = Math.max(at, held + 1);
      if (held !== -1 || resolved) {
        this.handled.add(g.raw);
        continue;
      }
      const pin = this.pinner?.get(this.dir, g.raw);
      const f = await openGeneration(this.dir, pin && !g.path ? { ...g, path: `/proc/self/fd/${pin.fd}` } : g);
      if (f === 'incomplete') {
        this.gzPending = true; // the engine is still compressing it: look again at the next step
        incomplete.add(g.raw);
        continue;
      }
      if (!f) continue;
      this.handled.add(g.raw);
      const was = this.files.findIndex((t) => t.key === f.key);
      if (was !== -1) {
        await closeFile(f);
        at = Math.max(at, was + 1);
        continue;
      }
      const t = await this.adopt(f);
      if (typeof t === 'number') {
        at = Math.max(at, t + 1);
        continue;
      }
      if (!t) continue;
      this.files.splice(at++, 0, t);
      this.everKeys.add(t.key);
      added = true;
    }
    // Files gone from the directory are held by their own handle (or in memory) now, or done: their
    // pins can go, and what was resolved about them (the inode may be reused by a new generation).
    for (const p of gone) {
      if (incomplete.has(p.key)) continue;
      this.gzResolved.delete(`gz:${p.key}`);
      this.handled.delete(p.key);
      this.pinner?.release(this.dir, p.key);
    }
    return added;
  }

  /**
   * Decides where to start in a newly opened file from its checkpoint: a position to track from,
   * undefined when it is done, or (for the gzip twin of a held file, either way round) the index of that file.
   */
  private async adopt(f: OpenedFile): Promise<Tracked | number | undefined> {
    let key = f.key;
    const fingerprint = await fingerprintFile(f);
    // A generation and its gzip copy share their first entry. Either can be seen first: the gz
    // listed before the pin of its plain original reached this thread, or the other way round.
    for (const t of this.files) if (!t.fingerprint) t.fingerprint = await fingerprintFile(t);
    const twin = fingerprint ? this.files.findIndex((t) => t.fingerprint === fingerprint) : -1;
    if (twin !== -1) {
      if (f.gz) this.gzResolved.set(f.key, this.files[twin]!.key);
      await closeFile(f);
      return twin;
    }
    let cp = this.store.file(key);
    if (cp?.fingerprint && fingerprint && cp.fingerprint !== fingerprint) {
      // The inode was reused by a different file: the old position means nothing here.
      this.store.forget(key);
      cp = undefined;
    }
    if (!cp && fingerprint) {
      // Read (partly) before under its twin's key, maybe by an earlier run: continue where that stands.
      const match = this.store.byFingerprint(fingerprint);
      if (match) [key, cp] = match;
    }
    if (f.gz) this.gzResolved.set(f.key, key);
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

  /**
   * What a record id names a file by: its fingerprint (first entry) when known, so a generation and
   * its gzip twin give their lines the same ids should both ever be read; else its key.
   */
  identity(key: string): string {
    return this.files.find((f) => f.key === key)?.fingerprint ?? key;
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
    this.pinner?.unwatch(this.dir);
  }

  /** File keys this tailer followed (for forgetting their checkpoints once the container is gone). */
  keys(): string[] {
    return [...this.everKeys];
  }
}
