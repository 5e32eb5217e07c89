// Gunzip with two bounds checked as the bytes come out, never after: the request's own limit
// (past it, 413) and the aggregator's budget of decoded bytes across all requests in flight (past
// it, 429). A one-shot gunzip checked afterwards let 32 concurrent gzip bombs hold 2.3 GiB.
import { createGunzip } from 'node:zlib';

/** The shared budget refused more bytes: the caller answers 429 and the client retries. */
export class OverBudget extends Error {
  constructor() {
    super('decoded bytes in flight at their bound');
  }
}

export type InflateBounds = {
  maxBytes: number;
  /** Asks the shared budget for `n` more bytes; false refuses them. */
  take: (n: number) => boolean;
};

export function inflateBounded(input: Buffer, bounds: InflateBounds): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // 1 MiB chunks: a typical batch inflates in one, without a hop through the event loop per 64 KiB.
    const z = createGunzip({ chunkSize: 1024 * 1024 });
    const chunks: Buffer[] = [];
    let total = 0;
    const fail = (err: Error) => {
      z.removeAllListeners('data');
      z.destroy();
      reject(err);
    };
    z.on('data', (c: Buffer) => {
      total += c.length;
      if (total > bounds.maxBytes)
        return fail(
          Object.assign(new Error(`inflates past ${bounds.maxBytes} bytes`), { code: 'ERR_BUFFER_TOO_LARGE' }),
        );
      if (!bounds.take(c.length)) return fail(new OverBudget());
      chunks.push(c);
    });
    z.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)));
    z.on('error', reject);
    z.end(input);
  });
}
