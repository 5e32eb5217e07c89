// GET /metrics: this replica's exposition (see sinks/prometheus/exposition.ts), streamed, gzip when
// the scraper accepts it. `?node=<key>` narrows it to one node (the per-node targets http_sd hands
// out), `?part=replica` to the aggregator's own metrics and the Swarm state.
import { pipeline } from 'node:stream';
import { createGzip, constants } from 'node:zlib';
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
    let bytes = 0;
    text.on('data', (chunk: Buffer) => (bytes += chunk.length));
    if (scope.node === undefined && scope.part === 'all')
      text.once('end', () => observe?.((performance.now() - started) / 1000, bytes));
    void reply.header('content-type', METRICS_CONTENT_TYPE);
    // Level 1: Prometheus text compresses ~10× even so, at a fraction of the default level's CPU.
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      const gzip = createGzip({ level: constants.Z_BEST_SPEED });
      pipeline(text, gzip, () => undefined);
      return reply.header('content-encoding', 'gzip').send(gzip);
    }
    return reply.send(text);
  });
}
