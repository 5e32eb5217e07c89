// The wire contract between collector and aggregator: path, headers, and the gzip NDJSON batch
// encoding. Acknowledgement semantics live in the ingest route and the shipper.
import { gzipSync } from 'node:zlib';
import type { WireRecord } from './schema/index.ts';

export const INGEST_PATH = '/api/v1/ingest';
export const NDJSON = 'application/x-ndjson';
/** Names the batch in logs on both sides; the collector sets it, the aggregator echoes it in errors. */
export const BATCH_ID_HEADER = 'x-swarmscope-batch';
/**
 * The collector's current self-report (an agent record as JSON) on every request, so the
 * aggregator sees a node's backlog live even while the batches themselves cannot be acknowledged.
 */
export const AGENT_HEADER = 'x-swarmscope-agent';

/** One JSON line per record, gzipped at level 1 (on JSON nearly the ratio of the default level for a fraction of the CPU). */
export function encodeBatch(records: readonly WireRecord[]): Buffer {
  return gzipSync(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'), { level: 1 });
}
