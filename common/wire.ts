// The wire contract between collector and aggregator: path, headers, the NDJSON batch encodings
// (version 1: one record per line; version 2, common/wire-v2.ts: json-file log lines compact,
// their container's metadata once per batch) and their compression (zstd or gzip).
// Acknowledgement semantics live in the ingest route and the shipper.
import { promisify } from 'node:util';
import { constants, gunzipSync, gzip, gzipSync, zstdCompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
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

/**
 * How a batch body is compressed (its Content-Encoding). zstd is what collectors send: at level 1,
 * against gzip level 1 on 4 MiB batches of 2 KiB lines, a quarter to a half of the CPU to
 * compress, about half to decompress, and a half to a third of the bytes (README "Wire contract").
 * An aggregator that predates it answers 415, and the collector sends gzip (see shipper.ts).
 */
export type BatchCompression = 'zstd' | 'gzip';
export const BATCH_COMPRESSIONS: readonly BatchCompression[] = ['zstd', 'gzip'];

/** zstd level 1, the fastest of the standard levels. */
const ZSTD_LEVEL = { [constants.ZSTD_c_compressionLevel]: 1 };
const zstdAsync = promisify(zstdCompress);

/** Version 1: one JSON line per record. */
export function encodeBatch(records: readonly WireRecord[]): Buffer {
  return gzipSync(Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n'), GZIP);
}

const gzipAsync = promisify(gzip);

/** Version 2 (what collectors send), compressed as compressBatch does. */
export function encodeBatchV2(records: readonly WireRecord[], compression: BatchCompression = 'gzip'): Promise<Buffer> {
  return compressBatch(encodeLinesV2(records), compression);
}

/**
 * zstd batches up to this are compressed on the calling thread (~2 ms for 5,000 lines of 100 B),
 * larger ones on the thread pool. The pool's answer waits for the event loop, which the collector's
 * log reader holds for milliseconds at a time: at 100 B lines on 2 vCPUs it came ~25 ms after the
 * request, longer than the next batch took to fill, and the reader waited for it a quarter of the
 * time. A 4 MiB batch of 2 KiB lines fills in ~30 ms, and its compression stays off the loop.
 */
const SYNC_ZSTD_BYTES = 2 * 1024 * 1024;

/** Batch lines (BatchEncoderV2's) as a batch body (gzip, the fallback, always on the thread pool). */
export function compressBatch(lines: Buffer, compression: BatchCompression): Promise<Buffer> {
  if (compression === 'gzip') return gzipAsync(lines, GZIP);
  // The size pledged puts it in the frame header (an async call writes none without it): the
  // aggregator sizes its output buffer by it.
  const opts = { params: ZSTD_LEVEL, pledgedSrcSize: lines.length };
  return lines.length <= SYNC_ZSTD_BYTES ? Promise.resolve(zstdCompressSync(lines, opts)) : zstdAsync(lines, opts);
}

/** A batch body's lines; throws if the body does not decompress (for bodies this process trusts). */
export function decompressBatch(body: Buffer, compression: BatchCompression): Buffer {
  return compression === 'zstd' ? zstdDecompressSync(body) : gunzipSync(body);
}
