// Gunzip with two bounds checked as the bytes come out, never after: the request's own limit
// (past it, 413) and the aggregator's budget of decoded bytes across all requests in flight (past
// it, 429). A one-shot gunzip checked afterwards let 32 concurrent gzip bombs hold 2.3 GiB.
// A small body inflates at once on this thread, capped at SMALL_OUTPUT: only one such call runs at a
// time, so at most that much is ever decoded outside the budget; past the cap, the stream path.
import { createGunzip, gunzipSync } from 'node:zlib';

/** Bodies up to this size (compressed) are first tried in one synchronous call: most batches. */
const SMALL_INPUT = 64 * 1024;
/** What that call may produce: ~1 ms of this thread; a batch that inflates further streams. */
const SMALL_OUTPUT = 1024 * 1024;
/** Stream chunks without a size hint: a typical batch in one, without a hop through the event loop per 64 KiB. */
const DEFAULT_CHUNK = 1024 * 1024;
/** zlib's own default chunk: the least a misleading hint can cost per hop. */
const MIN_CHUNK = 64 * 1024;

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

export type InflateBounds = {
  maxBytes: number;
  /** Asks the shared budget for `n` more bytes; false refuses them. */
  take: (n: number) => boolean;
};

/**
 * The gzip trailer's ISIZE: the decoded size (of the last member, mod 2^32), which zlib checks at
 * the member's end. Only a hint for sizing the output: a multi-member body or trailing zeros give
 * a wrong one, which costs more chunks, never a wrong result.
 */
function sizeHint(input: Buffer): number {
  return input.length >= 18 ? input.readUInt32LE(input.length - 4) : 0;
}

export function inflateBounded(input: Buffer, bounds: InflateBounds): Promise<Buffer> {
  const hint = sizeHint(input);
  if (input.length <= SMALL_INPUT && hint <= SMALL_OUTPUT) {
    // A stream per request cost a thread-pool round trip and a 1 MiB output buffer for a few KiB:
    // at a thousand nodes' batches it was 5% of a replica's CPU, and more in garbage collection.
    let out: Buffer | undefined;
    try {
      out = gunzipSync(input, { maxOutputLength: Math.min(SMALL_OUTPUT, bounds.maxBytes + 1) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') return Promise.reject(err as Error);
    }
    if (out) {
      if (out.length > bounds.maxBytes) return Promise.reject(tooLarge(bounds.maxBytes));
      return bounds.take(out.length) ? Promise.resolve(out) : Promise.reject(new OverBudget());
    }
  }
  // One chunk a byte larger than the hint: a batch comes out whole, with no second buffer and no
  // concatenation. At 2 KiB lines the 1 MiB chunks and their join were most of the aggregator's
  // memory outside V8's heap, and V8 starts major collections as that grows (16 → 9 in one run).
  const chunkSize = hint > 0 ? Math.max(MIN_CHUNK, Math.min(hint + 1, bounds.maxBytes + 1)) : DEFAULT_CHUNK;
  return inflateStreaming(input, bounds, chunkSize);
}

function inflateStreaming(input: Buffer, bounds: InflateBounds, chunkSize: number): Promise<Buffer> {
  // A chunk sized by the hint is taken from the budget before zlib writes into it (1 MiB chunks
  // are taken as they come out, as before): no more is ever decoded outside the budget than then.
  let charged = 0;
  if (chunkSize > DEFAULT_CHUNK) {
    if (!bounds.take(chunkSize)) return Promise.reject(new OverBudget());
    charged = chunkSize;
  }
  return new Promise((resolve, reject) => {
    const z = createGunzip({ chunkSize });
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
    z.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)));
    z.on('error', reject);
    z.end(input);
  });
}
