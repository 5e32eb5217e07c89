// Read positions of the log source, keyed by file identity (dev:inode, never the path, which
// rotation reuses) and, for API-read containers, by container: written to a temp file and renamed,
// so a crash leaves the previous or the new state, never a torn one. Positions only move forward.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../durable-write.ts';

export type FileCheckpoint = {
  container: string;
  /** Every byte before this offset was acknowledged by the aggregator. */
  offset: number;
  /** The file was rotated away and read and acknowledged to its end. */
  done: boolean;
  /** SHA-256 of the first entry, to recognise the file after the engine gzipped it. */
  fingerprint?: string;
  /** Its final size, once it was read to its end (what is lost of it should it go unread). */
  size?: number;
  /**
   * Read by a collector that named every line by SHA-256 (before record-id.ts's ordered ids): its
   * lines keep those ids, so that one shipped then and read again now is the same document.
   */
  sha256Ids?: true;
  updatedAt: number;
};

/** API-read containers: the last acknowledged timestamp, and how many lines at that timestamp. */
export type ApiCursor = { time: string; count: number; updatedAt: number };

/**
 * `ids: 'ordered'`: written by a collector that marks the files read under SHA-256 ids; a store
 * without it is an older collector's, all of whose files were. (Still version 1: an older collector
 * reads it, and ignores the marks.)
 */
type State = { version: 1; ids: 'ordered'; files: Record<string, FileCheckpoint>; api: Record<string, ApiCursor> };

export class CheckpointStore {
  readonly path: string;
  private state: State = { version: 1, ids: 'ordered', files: {}, api: {} };
  private dirty = false;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly delayMs: number;
  writes = 0;

  constructor(path: string, opts: { delayMs?: number } = {}) {
    this.path = path;
    this.delayMs = opts.delayMs ?? 100;
  }

  /** Loads what a previous run left; an unreadable file is an error, a missing one a fresh start. */
  async load(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as Partial<State>;
      if (parsed.version !== 1) return;
      const files = parsed.files ?? {};
      if (parsed.ids !== 'ordered') for (const cp of Object.values(files)) cp.sha256Ids = true;
      this.state = { version: 1, ids: 'ordered', files, api: parsed.api ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  fileCheckpoint(key: string): FileCheckpoint | undefined {
    return this.state.files[key];
  }

  fileCheckpoints(): Array<[string, FileCheckpoint]> {
    return Object.entries(this.state.files);
  }

  /** A checkpoint of a file with this first entry, among the keys `accept` allows. */
  fileByFingerprint(
    fingerprint: string,
    accept: (key: string) => boolean = () => true,
  ): [string, FileCheckpoint] | undefined {
    return this.fileCheckpoints().find(([k, c]) => c.fingerprint === fingerprint && accept(k));
  }

  /** Moves a file's position forward (never back) and schedules a write. */
  advanceFile(
    key: string,
    container: string,
    offset: number,
    fields: { done?: boolean; fingerprint?: string; size?: number } = {},
  ): void {
    const cur = this.state.files[key];
    if (
      cur &&
      cur.offset >= offset &&
      !(fields.done && !cur.done) &&
      !(fields.fingerprint && !cur.fingerprint) &&
      !(fields.size !== undefined && cur.size === undefined)
    )
      return;
    this.state.files[key] = {
      container,
      offset: Math.max(offset, cur?.offset ?? 0),
      done: (cur?.done ?? false) || (fields.done ?? false),
      fingerprint: cur?.fingerprint ?? fields.fingerprint,
      size: cur?.size ?? fields.size,
      ...(cur?.sha256Ids && { sha256Ids: true }),
      updatedAt: Date.now(),
    };
    this.scheduleWrite();
  }

  /** The checkpoint of `from` is now `to`'s (a file read on from its twin's position); returns it. */
  moveFile(from: string, to: string): FileCheckpoint | undefined {
    const cp = this.state.files[from];
    if (!cp) return undefined;
    delete this.state.files[from];
    this.state.files[to] = cp;
    this.scheduleWrite();
    return cp;
  }

  forgetFile(key: string): void {
    if (!(key in this.state.files)) return;
    delete this.state.files[key];
    this.scheduleWrite();
  }

  apiCursor(container: string): ApiCursor | undefined {
    return this.state.api[container];
  }

  advanceApiCursor(container: string, cursor: { time: string; count: number }): void {
    const cur = this.state.api[container];
    if (cur && (cur.time > cursor.time || (cur.time === cursor.time && cur.count >= cursor.count))) return;
    this.state.api[container] = { ...cursor, updatedAt: Date.now() };
    this.scheduleWrite();
  }

  forgetApiCursor(container: string): void {
    if (!(container in this.state.api)) return;
    delete this.state.api[container];
    this.scheduleWrite();
  }

  private scheduleWrite(): void {
    this.dirty = true;
    if (this.timer || this.writing) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes the state now if it changed (temp file, fsync, rename). */
  async flush(): Promise<void> {
    if (this.writing) await this.writing;
    if (!this.dirty) return;
    this.dirty = false;
    const body = JSON.stringify(this.state);
    this.writing = (async () => {
      await writeFileAtomic(this.path, body);
      this.writes++;
    })().finally(() => {
      this.writing = undefined;
      if (this.dirty) this.scheduleWrite();
    });
    await this.writing;
  }

  /** Drops a scheduled write without writing (what SIGKILL does; the model test uses it). */
  dropScheduledWrite(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
