// Refused requests (every answer of 400 or more) counted by route and status in a metric, and
// summarised in at most one log line per interval: a flood of bad requests must cost counters,
// never one log line each (the log would fill the disk). The reason goes to the client only.
import type { FastifyInstance } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../common/logger.ts';

export type RefusalOptions = { registry: Registry; log: Logger; summaryIntervalMs?: number };

export function registerRefusals(app: FastifyInstance, opts: RefusalOptions): void {
  const counter = new Counter({
    name: 'swarmscope_aggregator_refused_requests_total',
    help: 'Requests answered with a status of 400 or more, by route (the registered path; "unmatched" for none) and status',
    labelNames: ['route', 'status'],
    registers: [opts.registry],
  });
  // Counts since the last summary line, keyed "status route": bounded by routes × statuses.
  let pending = new Map<string, number>();
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode < 400) return;
    const route = req.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    counter.inc({ route, status });
    const key = `${status} ${route}`;
    pending.set(key, (pending.get(key) ?? 0) + 1);
  });
  const summarise = () => {
    if (pending.size === 0) return;
    const refused = Object.fromEntries([...pending].sort(([a], [b]) => a.localeCompare(b)));
    const total = [...pending.values()].reduce((a, b) => a + b, 0);
    pending = new Map();
    opts.log.warn({ refused }, `refused ${total} requests since the last summary (by status and route)`);
  };
  const timer = setInterval(summarise, opts.summaryIntervalMs ?? 60_000).unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    summarise();
  });
}
