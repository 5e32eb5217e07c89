// The collector agent: wires sources → batcher → durable queue → shipper, and runs the sampling
// loop. start() finds out what the node offers (a Docker engine or none); close() flushes.
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../common/logger.ts';
import type { AgentRecord, NodeRef, WireRecord } from '../common/schema/index.ts';
import { recordId } from '../common/record-id.ts';
import type { CollectorConfig } from './config.ts';
import { DockerApi } from './docker-api.ts';
import { DockerInventory } from './sources/docker-inventory/inventory.ts';
import { ContainerSampler } from './sources/cgroup-stats/container-sampler.ts';
import { HostSampler } from './sources/host/host-sampler.ts';
import { SwarmStateSource } from './sources/swarm-state/swarm-state.ts';
import { ContainerLogs } from './sources/container-logs/container-logs.ts';
import { DockerEvents } from './sources/docker-events/docker-events.ts';
import { DiskQueue } from './pipeline/disk-queue.ts';
import { Batcher } from './pipeline/batcher.ts';
import { Shipper } from './pipeline/shipper.ts';
import { pipelineReport } from './pipeline/self-report.ts';
import { beat } from './heartbeat.ts';

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

export class Agent {
  readonly config: CollectorConfig;
  private readonly log: Logger;
  readonly queue: DiskQueue;
  readonly batcher: Batcher;
  readonly shipper: Shipper;
  private api: DockerApi | undefined;
  private inventory: DockerInventory | undefined;
  private sampler: ContainerSampler | undefined;
  private host: HostSampler | undefined;
  /** Only on managers (Swarm.ControlAvailable); it reports only while this manager leads. */
  private swarm: SwarmStateSource | undefined;
  private logs: ContainerLogs | undefined;
  private events: DockerEvents | undefined;
  node: NodeRef = { id: '', hostname: hostname() };
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private closed = false;
  private sampleErrors = 0;

  constructor(config: CollectorConfig, log: Logger) {
    this.config = config;
    this.log = log;
    this.queue = new DiskQueue({ dir: join(config.dataDir, 'queue'), ...config.queue, log });
    this.shipper = new Shipper({
      queue: this.queue,
      urls: config.aggregatorUrls,
      token: config.token,
      rejectedDir: join(config.dataDir, 'rejected'),
      nodeKey: config.nodeName ?? hostname(),
      backoff: config.backoff,
      requestTimeoutMs: config.requestTimeoutMs,
      concurrency: config.shipConcurrency,
      tls: config.tls,
      log,
      selfReport: () => this.selfReport(new Date()),
      onAck: (batch) => this.logs?.onAck(batch),
    });
    this.batcher = new Batcher({
      ...config.batch,
      queue: this.queue,
      onQueued: (batch, records) => {
        this.shipper.notify();
        this.logs?.onQueued(batch, records);
        this.events?.onQueued(batch, records);
      },
      onError: (err) => log.error({ err: err.message }, 'batch could not be queued'),
    });
  }

  async start(): Promise<AgentStatus> {
    await this.queue.start();
    const status = await this.connectDocker();
    this.batcher.start();
    this.shipper.start();
    await this.logs?.start();
    await this.events?.start();
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
      this.api = api;
      this.inventory = new DockerInventory({ api, log: this.log, reconcileMs: this.config.reconcileIntervalMs });
      const m = this.config.metrics;
      this.sampler = new ContainerSampler({
        cgroupRoot: this.config.cgroupRoot,
        procRoot: this.config.procRoot,
        log: this.log,
        maxOpenFiles: m.maxOpenFiles,
        networkLoopback: m.networkLoopback,
      });
      this.startLogsAndEvents(api, this.config.dockerRoot ?? info.DockerRootDir);
      if (info.Swarm?.ControlAvailable && info.Swarm.NodeID)
        this.swarm = new SwarmStateSource({ api, log: this.log, maxTasks: this.config.swarmMaxTasks });
      return {
        docker: {
          endpoint: this.config.dockerHost,
          version: version.Version,
          swarm: info.Swarm?.LocalNodeState ?? 'inactive',
        },
        node: this.node,
        dockerRoot: this.config.dockerRoot ?? info.DockerRootDir,
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

  private startLogsAndEvents(api: DockerApi, dockerRoot: string): void {
    const c = this.config;
    const add = (records: WireRecord[]) => this.batcher.add(records);
    if (c.logs.enabled) {
      this.logs = new ContainerLogs({
        api,
        dockerRoot,
        dataDir: c.dataDir,
        node: () => this.node,
        add,
        acceptsLogs: () => this.batcher.acceptsLogs(),
        log: this.log,
        ...c.logs,
      });
    }
    if (c.events.enabled) {
      this.events = new DockerEvents({
        api,
        dataDir: c.dataDir,
        node: () => this.node,
        add,
        accepting: () => this.batcher.acceptsLogs(),
        log: this.log,
        reconcileMs: c.reconcileIntervalMs,
        backoff: c.backoff,
        onContainerEvent: (id, action) => {
          this.inventory?.invalidate(id);
          this.logs?.onContainerEvent(id, action);
        },
        onReconcile: (ids) => void this.logs?.reconcile(ids),
      });
    }
  }

  /** One sampling round; rounds never overlap (a slow round delays the next instead). */
  private tick(): void {
    this.round = this.round
      .then(() => this.sampleOnce())
      .catch((err: Error) => {
        this.sampleErrors++;
        this.log.warn({ err: err.message }, 'sampling round failed');
      })
      .then(() => void beat(this.config.dataDir, new Date())); // liveness for the container health check
  }

  private async sampleOnce(): Promise<void> {
    if (this.closed) return;
    const time = new Date();
    const records: WireRecord[] = [];
    if (this.inventory && this.sampler) {
      await this.inventory.refresh();
      records.push(...(await this.sampler.sample(this.node, this.inventory.running(), time, this.config.intervalMs)));
    }
    if (this.config.metrics.host) {
      this.host ??= new HostSampler({
        procRoot: this.config.procRoot,
        sysRoot: this.config.metrics.sysRoot,
        hostRoot: this.config.metrics.hostRoot,
        mountpointPrefix: this.config.metrics.mountpointPrefix,
        filesystemIntervalMs: this.config.metrics.filesystemIntervalMs,
        log: this.log,
      });
      records.push(await this.host.sample(this.node, time));
    }
    if (this.swarm) records.push(...(await this.swarm.poll(this.node, time)));
    records.push(this.selfReport(time));
    await this.batcher.add(records);
  }

  /** The collector's own pipeline health, shipped like any other record. */
  private selfReport(time: Date): AgentRecord {
    const pipeline = pipelineReport(this.queue.stats(), this.shipper.stats, time.getTime());
    return {
      kind: 'agent',
      id: recordId(this.node.id || this.node.hostname, 'agent', time.getTime()),
      time: time.toISOString(),
      node: this.node,
      counters: {
        ...pipeline.counters,
        ...this.logsAndEventsCounters(),
        sample_errors:
          this.sampleErrors +
          (this.sampler?.readErrors ?? 0) +
          (this.host?.readErrors ?? 0) +
          (this.swarm?.stats.errors ?? 0),
        uncached_file_reads: this.sampler?.budget.uncachedReads ?? 0,
      },
      gauges: {
        ...pipeline.gauges,
        containers: this.inventory?.running().length ?? 0,
        open_stat_files: this.sampler?.budget.open ?? 0,
      },
    };
  }

  /** The container log source (tests ask it whether a container's logs are read and acknowledged). */
  get containerLogs(): ContainerLogs | undefined {
    return this.logs;
  }

  private logsAndEventsCounters(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.logs) {
      const l = this.logs.snapshot();
      Object.assign(out, {
        log_records: l.records,
        log_bytes_read: l.bytesRead,
        log_bad_lines: l.badLines,
        log_truncated: l.truncated,
        log_json_errors: l.jsonErrors,
        log_unwatched_containers: l.unwatched,
        log_pauses: l.pauses,
        log_read_errors: l.readErrors,
      });
    }
    if (this.events) {
      const e = this.events.stats;
      Object.assign(out, {
        docker_events: e.events,
        docker_exec_events: e.execEvents,
        docker_events_reconnects: e.reconnects,
        docker_events_reconciled: e.reconciled,
        docker_events_pauses: e.pauses,
      });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.round;
    this.sampler?.close();
    await this.host?.close();
    await this.events?.close();
    await this.logs?.close();
    await this.batcher.close();
    await this.events?.settle();
    await this.shipper.close();
    await this.api?.close();
  }
}
