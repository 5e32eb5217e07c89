// Replays the local journal into Elasticsearch, oldest segment first, in chunks; a segment is
// deleted only after every record in it is held (deterministic ids make a re-run harmless).
import { createReadStream } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { validateRecord, type WireRecord } from '../../../common/schema/index.ts';
import type { DurableSink } from '../sink.ts';
import { SEGMENT } from './journal.ts';

export type ReplayResult = { segments: number; records: number; held: number; setAside: number; invalid: number };

export async function replayJournal(
  dir: string,
  sink: DurableSink,
  opts: { chunk?: number; skipSegments?: ReadonlySet<string> } = {},
): Promise<ReplayResult> {
  const chunk = opts.chunk ?? 2000;
  const result: ReplayResult = { segments: 0, records: 0, held: 0, setAside: 0, invalid: 0 };
  const names = (await readdir(dir)).filter((n) => SEGMENT.test(n) && !opts.skipSegments?.has(n)).sort();
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
    for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
      if (!line) continue;
      const v = validateRecord(safeParse(line));
      if (!v.ok) {
        result.invalid++;
        continue;
      }
      result.records++;
      batch.push(v.record);
      if (batch.length >= chunk) await flush();
    }
    await flush();
    await rm(path);
    result.segments++;
  }
  return result;
}

function safeParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
