// Live log tail: log records this replica accepts are handed to the UI's subscribers whose filter
// matches (a container, or every task of a service), as they arrive. Each subscriber holds at most
// TAIL_PENDING_MAX undelivered lines; past that, lines are skipped and the count is told to the
// page (and kept in `skipped` for swarmscope_ui_tail_skipped_lines_total).
import { ByteLog } from '../../common/byte-log.ts';
import type { WireRecord } from '../../common/schema/index.ts';
import { matchesLog, type LogQuery } from '../sinks/journal/journal-search.ts';
import { lineOf } from './log-search.ts';
import type { LogLine } from './ui-api.ts';

export const TAIL_PENDING_MAX = 2000;
/**
 * The newest log records this replica accepted, whatever the subscribers: a new tail starts with the
 * ones that match, so a line accepted before the page subscribed but not yet searchable in the log
 * store (Elasticsearch refreshes every second) is not missed. Ids dedupe them against the store's.
 */
export const TAIL_RECENT_MAX = 2000;
/**
 * Bytes of batches those lines may keep alive (a line decoded by the ingest route holds its batch
 * until its message is read: byte-log.ts). Past it, the oldest lines' messages are made strings,
 * letting their batches go: a few lines among many metrics must not hold thousands of batches.
 */
export const TAIL_PINNED_MAX = 16 * 1024 * 1024;
/** Subscribers at once (each is an open page): past it a new tail is refused with 429. */
export const TAIL_SUBSCRIBERS_MAX = 100;

export type TailSubscriber = {
  query: LogQuery;
  pending: LogLine[];
  skipped: number;
  wake: () => void;
};

export class LogTail {
  private readonly subs = new Set<TailSubscriber>();
  private readonly recent: WireRecord[] = [];
  /** Per recent line, the batch it keeps alive (undefined: none); and how many recent lines keep each. */
  private readonly recentBatch: (ArrayBufferLike | undefined)[] = [];
  private readonly pinned = new Map<ArrayBufferLike, number>();
  private pinnedBytes = 0;
  skipped = 0;

  get subscribers(): number {
    return this.subs.size;
  }

  subscribe(query: LogQuery, wake: () => void): TailSubscriber | undefined {
    if (this.subs.size >= TAIL_SUBSCRIBERS_MAX) return undefined;
    const s: TailSubscriber = { query, pending: [], skipped: 0, wake };
    this.subs.add(s);
    // No wake here: the caller's stream is not set up yet; it flushes once it is.
    this.deliver(s, this.recent, false);
    return s;
  }

  unsubscribe(s: TailSubscriber): void {
    this.subs.delete(s);
  }

  observe(records: readonly WireRecord[]): void {
    for (const r of records) {
      if (r.kind !== 'log') continue;
      const batch = r instanceof ByteLog ? r.batch : undefined;
      this.recent.push(r);
      this.recentBatch.push(batch);
      if (batch) this.pin(batch);
    }
    const over = this.recent.length - TAIL_RECENT_MAX;
    if (over > 0) {
      this.recent.splice(0, over);
      for (const batch of this.recentBatch.splice(0, over)) if (batch) this.unpin(batch);
    }
    for (let i = 0; i < this.recent.length && this.pinnedBytes > TAIL_PINNED_MAX; i++) {
      const batch = this.recentBatch[i];
      if (!batch) continue;
      void (this.recent[i] as ByteLog).message; // made a string, it lets go of its batch
      this.recentBatch[i] = undefined;
      this.unpin(batch);
    }
    for (const s of this.subs) this.deliver(s, records);
  }

  private pin(batch: ArrayBufferLike): void {
    const n = this.pinned.get(batch) ?? 0;
    if (n === 0) this.pinnedBytes += batch.byteLength;
    this.pinned.set(batch, n + 1);
  }

  private unpin(batch: ArrayBufferLike): void {
    const n = this.pinned.get(batch)! - 1;
    if (n > 0) this.pinned.set(batch, n);
    else {
      this.pinned.delete(batch);
      this.pinnedBytes -= batch.byteLength;
    }
  }

  private deliver(s: TailSubscriber, records: readonly WireRecord[], wake = true): void {
    const text = s.query.text?.toLowerCase();
    let added = false;
    for (const r of records) {
      if (r.kind !== 'log' || !matchesLog(r, s.query, text)) continue;
      if (s.pending.length >= TAIL_PENDING_MAX) {
        s.skipped++;
        this.skipped++;
        continue;
      }
      s.pending.push(lineOf(r));
      added = true;
    }
    if (wake && (added || s.skipped)) s.wake();
  }
}
