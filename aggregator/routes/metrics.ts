// GET /metrics: the Prometheus exposition of the registry, computed at scrape time.
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export function registerMetrics(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', async (_req, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });
}
