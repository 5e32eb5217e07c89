// Replays the local journal into Elasticsearch, oldest segment first, in chunks; a segment is
// deleted only after every record in it is held (deterministic ids make a re-run harmless).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { WireRecord } from '../../../common/schema/index.ts';
import type { DurableSink } from '../sink.ts';
import { OPEN, readSegment, SEGMENT } from './journal-segments.ts';

export type ReplayResult = {
  segments: number;
  records: number;
  held: number;
  setAside: number;
  invalid: number;
  /** Segments whose last frame a crash cut short before its fsync (never acknowledged), with why. */
  torn: string[];
  /** Segments a running journal is appending to: left for a later replay. */
  open: string[];
};

export async function replayJournal(
  dir: string,
  sink: DurableSink,
  opts: { chunk?: number } = {},
): Promise<ReplayResult> {
  const chunk = opts.chunk ?? 2000;
  const result: ReplayResult = { segments: 0, records: 0, held: 0, setAside: 0, invalid: 0, torn: [], open: [] };
  const all = (await readdir(dir)).filter((n) => SEGMENT.test(n)).sort();
  // Replayed segments are deleted: one still appended to would take what is written after with it.
  result.open = all.filter((n) => n.endsWith(OPEN));
  const names = all.filter((n) => !n.endsWith(OPEN));
  for (const name of names) {
    const path = join(dir, name);
    let batch: WireRecord[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const out = await sink.write(batch, `replay:${name}`);
      result.held += out.held;
      result.setAside += out.setAside;
      batch = [];
    };
    for await (const c of readSegment(path)) {
      result.invalid += c.invalid;
      if (c.torn) result.torn.push(`${name}: ${c.torn}`);
      for (const r of c.records) {
        result.records++;
        batch.push(r);
        if (batch.length >= chunk) await flush();
      }
    }
    await flush();
    await rm(path);
    result.segments++;
  }
  return result;
}
