// The dead-letter store: records Elasticsearch refused item by item for a reason a retry cannot
// fix (mapping conflicts, bad values) are kept whole in `<prefix>-deadletter` with the reason.
// An operator lists them and, once the cause is fixed, replays them (`swarmscope dead-letter`):
// a replayed record that is now held is removed from the store; one refused again stays.
import type { Client } from '@elastic/elasticsearch';
import { SwarmscopeError } from '../../../common/errors.ts';
import { validateRecord } from '../../../common/schema/index.ts';
import type { DurableSink } from '../sink.ts';
import type { Doc } from './encode-common.ts';

export type DeadLetterEntry = {
  id: string;
  time: string;
  reason: string;
  errorType: string;
  targetIndex: string;
  batch: string;
  record: string;
};

export type ReplayResult = { replayed: number; held: number; stillRefused: number; invalid: number };

export function deadLetterIndex(prefix: string): string {
  return `${prefix}-deadletter`;
}

/** The dead-letter document for one refused record; it reuses the record's id, so setting aside twice is a no-op. */
export function deadLetterDoc(opts: {
  record: unknown;
  recordId: string;
  targetIndex: string;
  batchId: string;
  errorType: string;
  reason: string;
  now: string;
}): Doc {
  return {
    '@timestamp': opts.now,
    reason: opts.reason,
    error_type: opts.errorType,
    target_index: opts.targetIndex,
    record_id: opts.recordId,
    batch: opts.batchId,
    record: JSON.stringify(opts.record),
  };
}

type Source = {
  '@timestamp': string;
  reason: string;
  error_type: string;
  target_index: string;
  batch: string;
  record: string;
};

/** Every entry, oldest first (search_after paging: the store is bounded only by what was refused). */
export async function* listDeadLetters(
  client: Client,
  prefix: string,
  pageSize = 500,
): AsyncGenerator<DeadLetterEntry> {
  const index = deadLetterIndex(prefix);
  let after: Array<string | number> | undefined;
  for (;;) {
    let res;
    try {
      res = await client.search<Source>({
        index,
        size: pageSize,
        sort: [{ '@timestamp': 'asc' }, { record_id: 'asc' }],
        search_after: after,
        ignore_unavailable: true,
        allow_no_indices: true,
      });
    } catch (err) {
      throw new SwarmscopeError('AGG_ERR_DEADLETTER', `cannot read ${index}: ${(err as Error).message}`, {
        remedy: 'check SWARMSCOPE_ES_URL and that the user may read the index',
        cause: err,
      });
    }
    const hits = res.hits.hits;
    for (const h of hits) {
      const s = h._source!;
      yield {
        id: h._id!,
        time: s['@timestamp'],
        reason: s.reason,
        errorType: s.error_type,
        targetIndex: s.target_index,
        batch: s.batch,
        record: s.record,
      };
    }
    if (hits.length < pageSize) return;
    after = hits[hits.length - 1]!.sort as Array<string | number>;
  }
}

/** Writes each entry's record through the sink again; entries whose record is now held are deleted. */
export async function replayDeadLetters(client: Client, prefix: string, sink: DurableSink): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: 0, held: 0, stillRefused: 0, invalid: 0 };
  const entries: DeadLetterEntry[] = [];
  for await (const e of listDeadLetters(client, prefix)) entries.push(e);
  for (const e of entries) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(e.record);
    } catch {
      parsed = undefined;
    }
    const v = validateRecord(parsed);
    if (!v.ok) {
      result.invalid++;
      continue;
    }
    result.replayed++;
    // Written first, removed after: a crash in between leaves the entry, and a re-run is a no-op
    // (409 on the record's id). A record refused again keeps its entry (same id).
    const out = await sink.write([v.record], `dead-letter-replay:${e.batch}`);
    if (out.setAside > 0) {
      result.stillRefused++;
      continue;
    }
    result.held++;
    await client.delete({ index: deadLetterIndex(prefix), id: e.id, refresh: 'wait_for' });
  }
  return result;
}
