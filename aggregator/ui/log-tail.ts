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
    const newest: WireRecord[] = [];
    for (let i = records.length - 1; i >= 0 && newest.length < TAIL_RECENT_MAX; i--)
      if (records[i]!.kind === 'log') newest.push(records[i]!);
    newest.reverse();
    ByteLog.keepMessages(newest.filter((r) => r instanceof ByteLog));
    for (const r of newest) this.recent.push(r);
    if (this.recent.length > TAIL_RECENT_MAX) this.recent.splice(0, this.recent.length - TAIL_RECENT_MAX);
    for (const s of this.subs) this.deliver(s, records);
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
