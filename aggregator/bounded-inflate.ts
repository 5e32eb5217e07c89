// Gunzip or zstd-decode with two bounds checked as the bytes come out, never after: the request's
// own limit (past it, 413) and the aggregator's budget of decoded bytes across all requests in
// flight (past it, 429). A one-shot gunzip checked afterwards let 32 concurrent gzip bombs hold
// 2.3 GiB. A small body inflates at once on this thread, capped at SMALL_OUTPUT: only one such call
// runs at a time, so at most that much is ever decoded outside the budget; past the cap, the stream
// path. A zstd frame may ask for a window of up to 2 GiB: the decoder refuses one past ZSTD_WINDOW.
import { constants, createGunzip, createZstdDecompress, gunzipSync, zstdDecompressSync } from 'node:zlib';
import type { BatchCompression } from '../common/wire.ts';

/** Bodies up to this size (compressed) are first tried in one synchronous call: most batches. */
const SMALL_INPUT = 64 * 1024;
/** What that call may produce: ~1 ms of this thread; a batch that inflates further streams. */
const SMALL_OUTPUT = 1024 * 1024;
/** Stream chunks without a size hint: a typical batch in one, without a hop through the event loop per 64 KiB. */
const DEFAULT_CHUNK = 1024 * 1024;
/** zlib's own default chunk: the least a misleading hint can cost per hop. */
const MIN_CHUNK = 64 * 1024;
/**
 * log2 of the largest zstd window decoded (8 MiB, the decoder's memory per request): every standard
 * level up to 19 fits, a collector's level 1 uses at most 512 KiB; the library's default allows 128 MiB.
 */
const ZSTD_WINDOW = { params: { [constants.ZSTD_d_windowLogMax]: 23 } };

/** The shared budget refused more bytes: the caller answers 429 and the client retries. */
export class OverBudget extends Error {
  constructor() {
    super('decoded bytes in flight at their bound');
  }
}

/** Past the request's own limit: the code zlib's own cap gives, which the caller answers with 413. */
function tooLarge(maxBytes: number): Error {
  return Object.assign(new Error(`inflates past ${maxBytes} bytes`), { code: 'ERR_BUFFER_TOO_LARGE' });
}

/** What a zstd call with `info` gives: the decoded bytes and the engine, which counts the input it consumed. */
type Decoded = { buffer: Buffer; engine: { bytesWritten: number } };

/**
 * Node's zstd decoder stops at the end of the first frame, so a body of several frames would lose
 * the rest without a word: refused instead (a collector sends one frame per batch).
 */
function framesAfterTheFirst(input: Buffer, engine: { bytesWritten: number }): Error {
  return new Error(
    `${input.length - engine.bytesWritten} bytes follow the first zstd frame: send a batch as one frame`,
  );
}

export type InflateBounds = {
  maxBytes: number;
  /** Asks the shared budget for `n` more bytes; false refuses them. */
  take: (n: number) => boolean;
};

/**
 * The decoded size as the body states it, only a hint for sizing the output: a wrong one costs more
 * chunks, never a wrong result. gzip: the trailer's ISIZE (of the last member, mod 2^32; a
 * multi-member body or trailing zeros give a wrong one). zstd: the first frame's content size,
 * when its header carries one (RFC 8878 3.1.1.1).
 */
function sizeHint(input: Buffer, compression: BatchCompression): number {
  if (compression === 'gzip') return input.length >= 18 ? input.readUInt32LE(input.length - 4) : 0;
  if (input.length < 6 || input.readUInt32LE(0) !== 0xfd2fb528) return 0;
  const descriptor = input[4]!;
  const single = (descriptor >> 5) & 1;
  const at = 5 + (single ? 0 : 1) + [0, 1, 2, 4][descriptor & 3]!;
  const width = descriptor >> 6 === 0 ? single : [0, 2, 4, 8][descriptor >> 6]!;
  if (width === 0 || input.length < at + width) return 0;
  if (width === 1) return input[at]!;
  if (width === 2) return input.readUInt16LE(at) + 256;
  if (width === 4) return input.readUInt32LE(at);
  return Number(input.readBigUInt64LE(at));
}

export function inflateBounded(input: Buffer, compression: BatchCompression, bounds: InflateBounds): Promise<Buffer> {
  const hint = sizeHint(input, compression);
  if (input.length <= SMALL_INPUT && hint <= SMALL_OUTPUT) {
    // A stream per request cost a thread-pool round trip and a 1 MiB output buffer for a few KiB:
    // at a thousand nodes' batches it was 5% of a replica's CPU, and more in garbage collection.
    let out: Buffer | undefined;
    const maxOutputLength = Math.min(SMALL_OUTPUT, bounds.maxBytes + 1);
    // Sized by the hint, the output is one buffer with no join: a third to half of the call's CPU.
    const chunkSize = hint > 0 ? Math.max(1024, Math.min(hint + 1, maxOutputLength)) : undefined;
    try {
      if (compression === 'zstd') {
        const r = zstdDecompressSync(input, {
          maxOutputLength,
          chunkSize,
          info: true,
          ...ZSTD_WINDOW,
        }) as unknown as Decoded;
        if (r.engine.bytesWritten < input.length) return Promise.reject(framesAfterTheFirst(input, r.engine));
        out = r.buffer;
      } else out = gunzipSync(input, { maxOutputLength, chunkSize });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return Promise.reject(err as Error);
    }
    if (out) {
      if (out.length > bounds.maxBytes) return Promise.reject(tooLarge(bounds.maxBytes));
      // A hint larger than the output leaves the whole chunk held (the output is a slice of it): charged.
      return bounds.take(Math.max(out.length, chunkSize ?? 0))
        ? Promise.resolve(out)
        : Promise.reject(new OverBudget());
    }
  }
  // One chunk a byte larger than the hint: a batch comes out whole, with no second buffer and no
  // concatenation. At 2 KiB lines the 1 MiB chunks and their join were most of the aggregator's
  // memory outside V8's heap, and V8 starts major collections as that grows (16 → 9 in one run).
  const chunkSize = hint > 0 ? Math.max(MIN_CHUNK, Math.min(hint + 1, bounds.maxBytes + 1)) : DEFAULT_CHUNK;
  return inflateStreaming(input, compression, bounds, chunkSize);
}

function inflateStreaming(
  input: Buffer,
  compression: BatchCompression,
  bounds: InflateBounds,
  chunkSize: number,
): Promise<Buffer> {
  // A chunk sized by the hint is taken from the budget before zlib writes into it (1 MiB chunks
  // are taken as they come out, as before): no more is ever decoded outside the budget than then.
  let charged = 0;
  if (chunkSize > DEFAULT_CHUNK) {
    if (!bounds.take(chunkSize)) return Promise.reject(new OverBudget());
    charged = chunkSize;
  }
  return new Promise((resolve, reject) => {
    const z =
      compression === 'zstd' ? createZstdDecompress({ chunkSize, ...ZSTD_WINDOW }) : createGunzip({ chunkSize });
    const chunks: Buffer[] = [];
    let total = 0;
    const fail = (err: Error) => {
      z.removeAllListeners('data');
      z.destroy();
      reject(err);
    };
    z.on('data', (c: Buffer) => {
      total += c.length;
      if (total > bounds.maxBytes) return fail(tooLarge(bounds.maxBytes));
      if (total > charged) {
        if (!bounds.take(total - charged)) return fail(new OverBudget());
        charged = total;
      }
      chunks.push(c);
    });
    z.on('end', () => {
      if (compression === 'zstd' && z.bytesWritten < input.length) return reject(framesAfterTheFirst(input, z));
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    });
    z.on('error', reject);
    z.end(input);
  });
}
