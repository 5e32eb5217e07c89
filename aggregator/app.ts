// buildApp(config): the aggregator as a fastify instance with its routes, sink and Prometheus
// registry wired; it never listens by itself (tests use inject(), the entry point listens).
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '../common/logger.ts';
import type { AggregatorConfig } from './config.ts';
import type { DurableSink } from './sinks/sink.ts';
import { ElasticsearchSink } from './sinks/elasticsearch/sink.ts';
import { JournalSink } from './sinks/journal/journal.ts';
import { ClusterState } from './sinks/prometheus/cluster-state.ts';
import { CONTAINER_TABLE, containerLabeller } from './sinks/prometheus/container-metrics.ts';
import { HOST_TABLE } from './sinks/prometheus/host-metrics.ts';
import { COLLECTOR_TABLE, registerPipelineMetrics, type BulkReport } from './sinks/prometheus/pipeline-metrics.ts';
import { SOURCE_TABLE } from './sinks/prometheus/source-metrics.ts';
import { Exposition } from './sinks/prometheus/exposition.ts';
import { registerReplicaMetrics } from './sinks/prometheus/replica-metrics.ts';
import { Ownership } from './ownership.ts';
import { registerSwarmMetrics } from './sinks/prometheus/swarm-metrics.ts';
import { registerEventMetrics } from './sinks/prometheus/event-metrics.ts';
import { registerIngest } from './routes/ingest.ts';
import { registerHealth } from './routes/health.ts';
import { registerMetrics } from './routes/metrics.ts';
import { registerTargets } from './routes/targets.ts';
import { registerReadAuth } from './read-auth.ts';
import { registerUi } from './routes/ui.ts';
import { ReplicaSet, findSelf } from '../common/replica-set.ts';
import { UiData } from './ui/ui-data.ts';
import { EsLogSearch, JournalLogSearch } from './ui/log-search.ts';
import { registerUiMetrics } from './ui/ui-metrics.ts';
import { registerRefusals } from './refusals.ts';
import { httpsOptions, requireClientCertificate } from './tls.ts';
import { enforceConnectionBounds } from './connection-bounds.ts';
import { serverBoundOptions } from './connection-bounds-settings.ts';

export type Aggregator = {
  app: FastifyInstance;
  sink: DurableSink;
  registry: Registry;
  state: ClusterState;
  ui: UiData | undefined;
  exposition: Exposition;
  ownership: Ownership | undefined;
};

/** Request logging off; errors logged only when they are the server's own (5xx). */
class QuietRequests extends LogController {
  constructor() {
    super({ disableRequestLogging: true });
  }
  override defaultErrorLog(error: Error, _req: unknown, reply: { statusCode: number; log: FastifyBaseLogger }): void {
    if (reply.statusCode >= 500) reply.log.error({ err: error }, error?.message);
  }
}

export async function buildApp(config: AggregatorConfig, log: Logger): Promise<Aggregator> {
  // No line per request or per refused request (refusals.ts counts and summarises them). Clients
  // that send no request, or send it too slowly, are cut off (connection-bounds.ts).
  const bounds = serverBoundOptions(config.connections);
  const https = httpsOptions(config.tls, config.connections.headersTimeoutMs);
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new QuietRequests(),
    ...(https ? { https: { ...https, ...bounds.server } } : { http: bounds.server }),
    bodyLimit: config.limits.maxBodyBytes,
    requestTimeout: bounds.requestTimeout,
    connectionTimeout: bounds.connectionTimeout,
    keepAliveTimeout: bounds.keepAliveTimeout,
  }) as unknown as FastifyInstance;
  const registry = new Registry();
  enforceConnectionBounds(app, config.connections, { registry, secure: https !== undefined });
  registerRefusals(app, { registry, log });
  requireClientCertificate(app, config.tls);
  registerReadAuth(app, config.read);
  collectDefaultMetrics({ register: registry, prefix: 'swarmscope_aggregator_' });
  const state = new ClusterState({
    staleAfterMs: config.staleAfterMs,
    containerLabels: containerLabeller(config.extraContainerLabels),
  });
  const rs = config.replicas;
  const replicaSet = rs.entries.length
    ? new ReplicaSet({
        entries: rs.entries,
        resolveIntervalMs: rs.probeIntervalMs,
        onError: (err, entry) => log.warn({ entry, err: err.message }, 'aggregator replicas not resolved'),
      })
    : undefined;
  const ownership = replicaSet
    ? new Ownership({
        replicas: replicaSet,
        self: rs.selfUrl,
        listenPort: config.listen.port,
        token: config.token,
        holdMs: rs.holdMs,
        probeIntervalMs: rs.probeIntervalMs,
        log,
      })
    : undefined;
  const exposition = new Exposition({ registry, state, ownership });
  // Which rows exist is the tables' business; how they render is the exposition's.
  exposition.addTable(CONTAINER_TABLE);
  exposition.addTable(HOST_TABLE);
  exposition.addTable(COLLECTOR_TABLE);
  exposition.addTable(SOURCE_TABLE);

  let bulk = (): BulkReport => ({ items: {}, batches: 0, queued: 0 });
  const metrics = registerPipelineMetrics(registry, () => bulk());
  let sink: DurableSink;
  let logs: EsLogSearch | JournalLogSearch;
  if (config.elasticsearch) {
    const es = new ElasticsearchSink(config.elasticsearch, log, (s, ok) =>
      metrics.bulkDuration.observe({ outcome: ok ? 'ok' : 'error' }, s),
    );
    const c = es.writer.counters;
    const shared = es.writer.requests;
    bulk = () => ({
      items: { created: c.created, duplicate: c.duplicate, retried: c.retried, set_aside: c.setAside },
      batches: shared.stats.batches,
      queued: shared.queued(),
    });
    sink = es;
    logs = new EsLogSearch(es.client, config.elasticsearch.indexPrefix);
  } else {
    const dir = join(config.dataDir, 'journal');
    sink = new JournalSink({ dir, maxBytes: config.journal.maxBytes });
    logs = new JournalLogSearch(dir);
  }
  registerSwarmMetrics(registry, state.swarm, () => exposition.swarmExposed());
  const render = registerReplicaMetrics(registry, exposition, ownership);
  const events = registerEventMetrics(registry);
  // The UI asks the other replicas of SWARMSCOPE_REPLICAS (the set ownership uses), or of
  // SWARMSCOPE_UI_PEERS when that is given: both through the shared replica discovery.
  const uiPeers =
    config.ui.enabled && config.ui.peers.length ? new ReplicaSet({ entries: config.ui.peers }) : undefined;
  const peerSet = uiPeers ?? replicaSet;
  const ui = config.ui.enabled
    ? new UiData({
        config: config.ui,
        state,
        logs,
        token: config.token,
        replica: hostname(),
        ...(peerSet
          ? {
              peers: () =>
                ownership && peerSet === replicaSet
                  ? peerSet.members().filter((m) => m !== ownership.self)
                  : peersBesidesSelf(peerSet.members(), config.listen.port),
            }
          : {}),
      })
    : undefined;
  registerIngest(app, {
    config,
    sink,
    state,
    metrics,
    onAccepted: (records) => {
      events.observe(records);
      ui?.observe(records);
    },
    onReceived: (records) => ui?.received(records),
  });
  registerHealth(app, sink);
  registerMetrics(app, exposition, render);
  registerTargets(app, { exposition, ownership, token: config.token });
  if (ui) {
    registerUi(app, { ui, credentials: [config.token, config.ui.password, config.read.token] });
    registerUiMetrics(registry, ui);
  }

  await sink.start();
  await ownership?.start();
  await uiPeers?.start();
  app.addHook('onClose', async () => {
    uiPeers?.close();
    await ownership?.close();
    await sink.close();
  });
  return { app, sink, registry, state, ui, exposition, ownership };
}

/** A dns+ entry (`tasks.aggregator`) lists this replica too: the UI asks only the others. */
function peersBesidesSelf(members: readonly string[], port: number): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .map((i) => i?.address ?? '');
  const self = findSelf(members, port, addresses);
  return members.filter((m) => m !== self);
}
