// GET /metrics: this replica's exposition (see sinks/prometheus/exposition.ts), streamed, gzip when
// the scraper accepts it. `?node=<key>` narrows it to one node (the per-node targets http_sd hands
// out), `?part=replica` to the aggregator's own metrics and the Swarm state.
import { Readable } from 'node:stream';
import { constants, gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Exposition, Scope } from '../sinks/prometheus/exposition.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type RenderObserver = (seconds: number, bytes: number) => void;

export function registerMetrics(app: FastifyInstance, exposition: Exposition, observe?: RenderObserver): void {
  app.get('/metrics', async (req, reply) => {
    const q = req.query as { node?: string; part?: string };
    const scope: Scope = {
      node: typeof q.node === 'string' ? q.node : undefined,
      part: q.part === 'replica' || q.part === 'nodes' ? q.part : 'all',
    };
    const started = performance.now();
    const text = await exposition.render(scope);
    const whole = scope.node === undefined && scope.part === 'all';
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    // With gzip, each rendered piece (≤ ~256 KiB) becomes a gzip member of its own: a gzip body may
    // hold several one after another (RFC 1952) and Go's reader, which Prometheus uses, reads them as
    // one. A piece costs ~1 ms of this thread at level 1 (the text still compresses ~9×); a zlib
    // stream went through the thread pool in 16 KiB steps, each waiting for a turn of a loop busy with
    // ingest: 12–16 s for 170 MiB that took 2–3 s plain.
    function* body(): Generator<Buffer> {
      let bytes = 0;
      for (const piece of text) {
        bytes += piece.length;
        yield gzip ? gzipSync(piece, { level: constants.Z_BEST_SPEED }) : piece;
      }
      // An empty text is still one (empty) member: a gzip body of no bytes is not valid gzip.
      if (gzip && bytes === 0) yield gzipSync(Buffer.alloc(0));
      if (whole) observe?.((performance.now() - started) / 1000, bytes);
    }
    void reply.header('content-type', METRICS_CONTENT_TYPE);
    if (gzip) void reply.header('content-encoding', 'gzip');
    return reply.send(Readable.from(body()));
  });
}
