// The wire contract between collector and aggregator: path, headers, and the gzip NDJSON batch
// encodings (version 1: one record per line; version 2, common/wire-v2.ts: json-file log lines
// compact, their container's metadata once per batch). Acknowledgement semantics live in the
// ingest route and the shipper.
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type { WireRecord } from './schema/index.ts';
import { encodeLinesV2 } from './wire-v2-encoder.ts';

export const INGEST_PATH = '/api/v1/ingest';
export const NDJSON = 'application/x-ndjson';
/**
 * The content type of a version 2 batch. An aggregator that predates it answers 415 (fastify's
 * unsupported media type), and the collector sends that batch again as version 1 (see shipper.ts).
 */
export const NDJSON_V2 = 'application/vnd.swarmscope.batch.v2+ndjson';
export type WireVersion = 1 | 2;
/** Names the batch in logs on both sides; the collector sets it, the aggregator echoes it in errors. */
export const BATCH_ID_HEADER = 'x-swarmscope-batch';
/**
 * The collector's current self-report (an agent record as JSON) on every request, so the
 * aggregator sees a node's backlog live even while the batches themselves cannot be acknowledged.
 */
export const AGENT_HEADER = 'x-swarmscope-agent';

/** gzip level 1: on JSON nearly the ratio of the default level for a fraction of the CPU. */
export const GZIP = { level: 1 } as const;

/** Version 1: one JSON line per record. */
export function encodeBatch(records: readonly WireRecord[]): Buffer {
  return gzipSync(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'), GZIP);
}

const gzipAsync = promisify(gzip);

/** Version 2 (what collectors send), gzipped on the thread pool so the caller's thread goes on reading. */
export function encodeBatchV2(records: readonly WireRecord[]): Promise<Buffer> {
  return gzipBatch(encodeLinesV2(records));
}

/** Batch lines (BatchEncoderV2's) as a batch body, gzipped on the thread pool. */
export function gzipBatch(lines: Buffer): Promise<Buffer> {
  return gzipAsync(lines, GZIP);
}
