// Liveness and readiness: /healthz says the process serves; /readyz says the sink takes writes
// (Swarm health checks use /healthz so an Elasticsearch outage does not restart aggregators).
import type { FastifyInstance } from 'fastify';
import type { DurableSink } from '../sinks/sink.ts';
import { OWN_AUTH } from '../read-auth.ts';

export function registerHealth(app: FastifyInstance, sink: DurableSink): void {
  app.get('/healthz', { config: OWN_AUTH }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: OWN_AUTH }, async (_req, reply) => {
    const ready = sink.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', sink: sink.name });
  });
}
