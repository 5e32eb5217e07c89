// Reading the local journal back: log records matching a query (text, stream, time range,
// container, service, label), newest segments first, returning the newest `limit` matches in time
// order. A query reads at most maxScanBytes of segments (then answers with partial: true), so a
// search over a full 1 GiB journal stays bounded. Writes are the JournalSink's; this only reads.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord } from '../../../common/schema/index.ts';
import { readSegment, SEGMENT } from './journal-segments.ts';

export type LogQuery = {
  text?: string;
  stream?: 'stdout' | 'stderr';
  /** ms since epoch, inclusive. */
  fromMs?: number;
  toMs?: number;
  containerId?: string;
  service?: string;
  labels?: Array<[string, string]>;
  limit: number;
};

export type JournalSearchResult = { records: LogRecord[]; scannedBytes: number; partial: boolean };

export const JOURNAL_SCAN_MAX_BYTES = 256 * 1024 * 1024;

export function matchesLog(r: LogRecord, q: LogQuery, textLower = q.text?.toLowerCase()): boolean {
  if (q.stream && r.stream !== q.stream) return false;
  if (q.containerId && r.container.id !== q.containerId && !r.container.id.startsWith(q.containerId)) return false;
  if (q.service && r.container.labels['com.docker.swarm.service.name'] !== q.service) return false;
  if (q.labels) for (const [k, v] of q.labels) if (r.container.labels[k] !== v) return false;
  if (q.fromMs !== undefined || q.toMs !== undefined) {
    const t = Date.parse(r.time);
    if (q.fromMs !== undefined && t < q.fromMs) return false;
    if (q.toMs !== undefined && t > q.toMs) return false;
  }
  return !textLower || r.message.toLowerCase().includes(textLower);
}

export async function searchJournal(
  dir: string,
  q: LogQuery,
  maxScanBytes = JOURNAL_SCAN_MAX_BYTES,
): Promise<JournalSearchResult> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => SEGMENT.test(n)).sort();
  } catch {
    return { records: [], scannedBytes: 0, partial: false };
  }
  const text = q.text?.toLowerCase();
  // A cheap pre-filter on a frame's decoded bytes before its records are decoded: the container's
  // id and the service's name are in its group lines.
  const needle = q.containerId ?? (q.service ? JSON.stringify(q.service).slice(1, -1) : undefined);
  let found: LogRecord[] = [];
  let scanned = 0;
  let partial = false;
  for (let i = names.length - 1; i >= 0 && found.length < q.limit && !partial; i--) {
    const path = join(dir, names[i]!);
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (scanned + size > maxScanBytes && scanned > 0) {
      partial = true;
      break;
    }
    // Newest `limit` of this segment, in order; older segments only fill what is still missing.
    const need = q.limit - found.length;
    let ring: LogRecord[] = [];
    const frames = !path.endsWith('.ndjson');
    try {
      // Frames come newest first, so the search stops once it has enough; version 1 lines come in order.
      for await (const c of readSegment(path, { logsOnly: true, newestFirst: true, ...(needle ? { needle } : {}) })) {
        scanned += c.bytes;
        const m = c.records.filter((r): r is LogRecord => r.kind === 'log' && matchesLog(r, q, text));
        ring = frames ? [...m, ...ring] : [...ring, ...m].slice(-need);
        if (frames && ring.length >= need) break;
        // Decoded bytes are the work: a segment of frames holds several times its size on disk.
        if (frames && scanned > maxScanBytes) {
          partial = true;
          break;
        }
      }
    } catch (err) {
      // Removed by a replay while read: what it held is in Elasticsearch now.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    ring = ring.slice(-need);
    found = [...ring, ...found];
  }
  found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { records: found, scannedBytes: scanned, partial };
}
