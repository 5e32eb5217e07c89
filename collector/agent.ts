// The collector agent: finds out what the node offers (a Docker engine or none), creates the
// registered sources with their context, and wires them → batcher → durable queue → shipper; runs
// the sampling round (inventory, then every source's collect()). close() flushes.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../common/logger.ts';
import type { AgentRecord, NodeRef, WireRecord } from '../common/schema/index.ts';
import { recordId } from '../common/record-id.ts';
import type { CollectorConfig } from './config.ts';
import { DockerApi } from './docker-api.ts';
import { DockerInventory } from './docker-inventory.ts';
import { SOURCES } from './sources/registry.ts';
import type { AckHandle, DockerContext, Source, SourceContext, SourceFactory } from './sources/source.ts';
import { AckLedger } from './pipeline/ack-ledger.ts';
import { DiskQueue } from './pipeline/disk-queue.ts';
import { Batcher } from './pipeline/batcher.ts';
import { Shipper } from './pipeline/shipper.ts';
import { ReplicaRouting } from './pipeline/replica-routing.ts';
import { pipelineReport } from './pipeline/self-report.ts';
import { sourceReport } from './pipeline/source-report.ts';
import { beat } from './heartbeat.ts';
import { HeapPolicy, type HeapSetting } from './heap-policy.ts';

type DockerInfo = {
  ID: string;
  Name: string;
  DockerRootDir: string;
  Swarm?: { NodeID?: string; LocalNodeState?: string; ControlAvailable?: boolean };
};

export type AgentStatus = {
  docker: { endpoint: string; version: string; swarm: string } | { endpoint: string; error: string };
  node: NodeRef;
  dockerRoot: string | undefined;
};

export type AgentOptions = {
  /** The sources to create; the registry's by default (a test adds its own). */
  sources?: readonly SourceFactory[];
  /** V8's heap policy, for a process the agent is the reason for (bin's commands; not a test's agent). */
  heapPolicy?: HeapSetting;
};

export class Agent {
  readonly config: CollectorConfig;
  private readonly log: Logger;
  readonly queue: DiskQueue;
  readonly batcher: Batcher;
  readonly shipper: Shipper;
  private readonly ledger = new AckLedger();
  private readonly factories: readonly SourceFactory[];
  private docker: DockerContext | undefined;
  /** The sources running on this node, in registry order. */
  sources: Source[] = [];
  private readonly router: ReplicaRouting | undefined;
  node: NodeRef = { id: '', hostname: hostname() };
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private closed = false;
  private release: () => void = () => {};
  /** Resolves when close() begins, so a source waiting for the queue to take records stops waiting. */
  private readonly closing = new Promise<void>((r) => (this.release = r));
  private roundErrors = 0;
  private readonly heap: HeapPolicy | undefined;

  constructor(config: CollectorConfig, log: Logger, opts: AgentOptions = {}) {
    this.config = config;
    this.log = log;
    this.factories = opts.sources ?? SOURCES;
    this.queue = new DiskQueue({
      dir: join(config.dataDir, 'queue'),
      ...config.queue,
      log,
      onLeft: (batch) => this.ledger.left(batch.seq),
    });
    // Several aggregator replicas: each node sends to its owner (the replica that exposes its series).
    this.router = ReplicaRouting.wanted(config.aggregatorUrls)
      ? ReplicaRouting.fromEntries(config.aggregatorUrls, () => this.node.id || this.node.hostname)
      : undefined;
    this.shipper = new Shipper({
      queue: this.queue,
      urls: config.aggregatorUrls,
      router: this.router,
      token: config.token,
      rejectedDir: join(config.dataDir, 'rejected'),
      nodeKey: config.nodeName ?? hostname(),
      backoff: config.backoff,
      requestTimeoutMs: config.requestTimeoutMs,
      concurrency: config.shipConcurrency,
      tls: config.tls,
      log,
      selfReport: () => this.selfReport(new Date()),
    });
    this.batcher = new Batcher({
      ...config.batch,
      queue: this.queue,
      ledger: this.ledger,
      onQueued: () => this.shipper.notify(),
      onError: (err) => log.error({ err: err.message }, 'batch could not be queued'),
    });
    if (opts.heapPolicy)
      this.heap = new HeapPolicy({ setting: opts.heapPolicy, logBytes: () => this.batcher.encodedLogBytes() });
  }

  async start(): Promise<AgentStatus> {
    await this.queue.start();
    const status = await this.connectDocker();
    const ctx: SourceContext = {
      config: this.config,
      log: this.log,
      node: () => this.node,
      docker: this.docker,
      emit: (records: WireRecord[], ack?: AckHandle) => this.batcher.add(records, ack),
      emitEach: (ack: AckHandle) => this.batcher.open(ack),
      ready: () => Promise.race([this.batcher.whenAccepting(), this.closing]),
    };
    for (const create of this.factories) {
      const source = create(ctx);
      if (source) this.sources.push(source);
    }
    this.batcher.start();
    this.heap?.start();
    await this.router?.start();
    this.shipper.start();
    for (const s of this.sources) await s.start?.();
    this.timer = setInterval(() => this.tick(), this.config.intervalMs);
    this.tick();
    return status;
  }

  private async connectDocker(): Promise<AgentStatus> {
    const api = new DockerApi(this.config.dockerHost);
    try {
      const version = await api.negotiate();
      const info = await api.get<DockerInfo>('/info');
      this.node = { id: info.Swarm?.NodeID ?? '', hostname: this.config.nodeName ?? info.Name };
      const dockerRoot = this.config.dockerRoot ?? info.DockerRootDir;
      this.docker = {
        api,
        dockerRoot,
        swarmNodeId: info.Swarm?.NodeID ?? '',
        manager: info.Swarm?.ControlAvailable === true,
        inventory: new DockerInventory({ api, log: this.log, reconcileMs: this.config.reconcileIntervalMs }),
      };
      return {
        docker: {
          endpoint: this.config.dockerHost,
          version: version.Version,
          swarm: info.Swarm?.LocalNodeState ?? 'inactive',
        },
        node: this.node,
        dockerRoot,
      };
    } catch (err) {
      await api.close();
      this.node = { id: '', hostname: this.config.nodeName ?? hostname() };
      return {
        docker: { endpoint: this.config.dockerHost, error: (err as Error).message },
        node: this.node,
        dockerRoot: undefined,
      };
    }
  }

  /** One sampling round; rounds never overlap (a slow round delays the next instead). */
  private tick(): void {
    this.round = this.round
      .then(() => this.sampleOnce())
      .catch((err: Error) => {
        this.roundErrors++;
        this.log.warn({ err: err.message }, 'sampling round failed');
      })
      .then(() => void beat(this.config.dataDir, new Date())); // liveness for the container health check
  }

  private async sampleOnce(): Promise<void> {
    if (this.closed) return;
    const time = new Date();
    const records: WireRecord[] = [];
    if (this.docker) await this.docker.inventory.refresh();
    for (const s of this.sources) if (s.collect) records.push(...(await s.collect(time)));
    records.push(this.selfReport(time));
    await this.batcher.add(records);
  }

  /** The collector's own pipeline and sources health, shipped like any other record. */
  private selfReport(time: Date): AgentRecord {
    const pipeline = pipelineReport(this.queue.stats(), this.shipper.stats, time.getTime());
    const sources = sourceReport(this.sources);
    return {
      kind: 'agent',
      id: recordId(this.node.id || this.node.hostname, 'agent', time.getTime()),
      time: time.toISOString(),
      node: this.node,
      counters: {
        ...pipeline.counters,
        ...sources.counters,
        round_errors: this.roundErrors,
        ...(this.heap && { heap_policy_switches: this.heap.switches }),
      },
      gauges: {
        ...pipeline.gauges,
        ...sources.gauges,
        containers: this.docker?.inventory.running().length ?? 0,
        pending_ack_handles: this.ledger.pending,
        ...(this.heap && { heap_throughput_mode: this.heap.mode === 'throughput' ? 1 : 0 }),
      },
    };
  }

  /** A running source by name (tests ask the log source whether a container is drained). */
  source<T extends Source = Source>(name: string): T | undefined {
    return this.sources.find((s) => s.name === name) as T | undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
    if (this.timer) clearInterval(this.timer);
    this.heap?.stop();
    await this.round;
    for (const s of [...this.sources].reverse()) await s.close();
    await this.batcher.close();
    for (const s of this.sources) await s.settle?.();
    await this.shipper.close();
    this.router?.close();
    await this.docker?.api.close();
  }
}
