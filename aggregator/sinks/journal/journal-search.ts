// Reading the local journal back: log records matching a query (text, stream, time range,
// container, service, label), newest segments first, returning the newest `limit` matches in time
// order. A query reads at most maxScanBytes of segments (then answers with partial: true), so a
// search over a full 1 GiB journal stays bounded. Writes are the JournalSink's; this only reads.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogRecord } from '../../../common/schema/index.ts';
import { SEGMENT } from './journal.ts';

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
  // A cheap pre-filter on the raw line before JSON.parse: most lines are not logs or do not match.
  const needle = q.containerId ?? (q.service ? JSON.stringify(q.service).slice(1, -1) : undefined);
  let found: LogRecord[] = [];
  let scanned = 0;
  let partial = false;
  for (let i = names.length - 1; i >= 0 && found.length < q.limit; i--) {
    const path = join(dir, names[i]!);
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    if (scanned + size > maxScanBytes && scanned > 0) {
      partial = true;
      break;
    }
    scanned += size;
    // Newest `limit` of this segment, in order; older segments only fill what is still missing.
    const need = q.limit - found.length;
    const ring: LogRecord[] = [];
    const input = createReadStream(path, { end: Math.max(0, size - 1) });
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      if (!line.startsWith('{"kind":"log"') && !line.includes('"kind":"log"')) continue;
      if (needle && !line.includes(needle)) continue;
      let r: LogRecord;
      try {
        r = JSON.parse(line) as LogRecord;
      } catch {
        continue;
      }
      if (r.kind !== 'log' || !matchesLog(r, q, text)) continue;
      ring.push(r);
      if (ring.length > need) ring.shift();
    }
    found = [...ring, ...found];
  }
  found.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { records: found, scannedBytes: scanned, partial };
}
