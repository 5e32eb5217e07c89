// How `_bulk` request bodies go to Elasticsearch (SWARMSCOPE_ES_COMPRESSION), compressed once per
// request at level 1 (nearly the ratio of the default level on JSON for a fraction of the CPU).
// No client import here: the collector's config reader loads this file through the aggregator's.
import { promisify } from 'node:util';
import { deflate, deflateSync, gzip, gzipSync } from 'node:zlib';

/**
 * `deflate` (HTTP's name for the zlib format, which Elasticsearch decodes as it does gzip): the same
 * bytes as gzip for half its CPU at 2 KiB lines (gzip's CRC-32 of the body costs more than zlib's
 * Adler-32); `gzip` for anything in between that passes only gzip; `none` where CPU is dearer than bytes.
 */
export const ES_COMPRESSIONS = ['deflate', 'gzip', 'none'] as const;
export type EsCompression = (typeof ES_COMPRESSIONS)[number];

const LEVEL_1 = { level: 1 };
const codecs = {
  deflate: { sync: deflateSync, async: promisify(deflate) },
  gzip: { sync: gzipSync, async: promisify(gzip) },
} as const;

/**
 * Bodies up to this are compressed on the event loop (~1 ms at level 1): the thread pool's stream
 * costs ~200 us more per request than the work itself (48 against 243 us of CPU for 4 KiB); larger
 * ones go off this thread.
 */
const SYNC_BYTES = 1024 * 1024;

/** The body to send and its headers. */
export async function compressBody(
  text: Buffer,
  compression: EsCompression,
): Promise<{ body: Buffer; headers: Record<string, string> }> {
  if (compression === 'none') return { body: text, headers: { 'accept-encoding': 'identity' } };
  const codec = codecs[compression];
  const body = text.length <= SYNC_BYTES ? codec.sync(text, LEVEL_1) : await codec.async(text, LEVEL_1);
  return { body, headers: { 'content-encoding': compression, 'accept-encoding': 'identity' } };
}
