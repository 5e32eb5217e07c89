// A load generator that speaks the wire protocol as many collectors at once: each simulated
// collector runs the real pipeline (batcher → durable queue → shipper) over generated records
// with a deterministic (source, sequence) each, so an oracle can check Elasticsearch exactly.
// Log records behave like a container's files: when the queue refuses logs, generation pauses
// and catches up later (nothing is lost); metric records are plain samples the queue may drop.
// With `containers`, each collector is a node with that many containers whose metric records (plus
// a host record and the inventory) it sends every intervalMs, as the real collector does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { recordId } from '../../common/record-id.ts';
import type { AgentRecord, WireRecord } from '../../common/schema/index.ts';
import { createLogger, type Logger } from '../../common/logger.ts';
import { DiskQueue } from '../../collector/pipeline/disk-queue.ts';
import { Batcher } from '../../collector/pipeline/batcher.ts';
import { Shipper } from '../../collector/pipeline/shipper.ts';
import { DEFAULT_SHIP_CONCURRENCY } from '../../collector/config.ts';
import { pipelineReport } from '../../collector/pipeline/self-report.ts';
import { ReplicaRouting } from '../../collector/pipeline/replica-routing.ts';
import { containerRecord, hostRecord, inventoryRecord, logRecord, simulatedNodeId } from './fleet-records.ts';

export type LoadgenOptions = {
  /** Aggregator base URLs (a list: the shipper fails over). */
  urls: string[];
  token: string;
  collectors: number;
  /** Records per second across all collectors. */
  rate: number;
  /** Share of records that are metric samples (the rest are log lines); default 0. */
  metricShare?: number;
  /** Distinguishes runs: sources are `${run}-c${i}`. */
  run: string;
  queueMaxBytes?: number;
  fsync?: 'batch' | 'off';
  batchMaxRecords?: number;
  batchMaxAgeMs?: number;
  retryMaxMs?: number;
  /** Bytes of filler per log message (default 100). */
  messageBytes?: number;
  dataDir?: string;
  log?: Logger;
  /** Containers of collector i (a node with a swarm id); none by default (log lines only). */
  containers?: (i: number) => number;
  /** How often each node samples its containers and host (default 10 s; phases are spread). */
  intervalMs?: number;
  /** Send each node to its owner among `urls` (collector/pipeline/replica-routing.ts), as collectors do. */
  routing?: { retryDownMs: number };
};

export type SourceProgress = { source: string; logs: number; metrics: number };

/** One simulated collector: a source whose records are numbered 0, 1, 2… per kind. */
class SimulatedCollector {
  readonly source: string;
  readonly queue: DiskQueue;
  readonly batcher: Batcher;
  readonly shipper: Shipper;
  /** Records generated so far (the oracle expects sequences 0 … n-1). */
  logs = 0;
  metrics = 0;
  private owed = 0;
  private readonly opts: LoadgenOptions;
  private readonly containerId: string;
  private readonly filler: string;
  private readonly genTime = new Map<number, number>();
  private readonly latencies: Latencies;

  /** The node this collector speaks for (a swarm id when it has containers). */
  readonly node: { id: string; hostname: string };
  readonly containers: number;
  private readonly router: ReplicaRouting | undefined;
  private nextSampleAt: number;
  private samples = 0;

  constructor(source: string, dir: string, opts: LoadgenOptions, log: Logger, latencies: Latencies, containers = 0) {
    this.source = source;
    this.containers = containers;
    this.node = { id: containers ? simulatedNodeId(source) : '', hostname: source };
    this.nextSampleAt = Date.now() + Math.random() * (opts.intervalMs ?? 10_000);
    this.router = opts.routing
      ? ReplicaRouting.fromEntries(opts.urls, () => this.node.id || this.node.hostname, opts.routing.retryDownMs)
      : undefined;
    this.opts = opts;
    this.latencies = latencies;
    this.containerId = createHash('sha256').update(source).digest('hex');
    this.filler = 'x'.repeat(opts.messageBytes ?? 100);
    this.queue = new DiskQueue({
      dir,
      maxBytes: opts.queueMaxBytes ?? 256 * 1024 * 1024,
      maxAgeMs: 86_400_000,
      fsync: opts.fsync ?? 'batch',
      log,
    });
    this.shipper = new Shipper({
      queue: this.queue,
      urls: opts.urls,
      token: opts.token,
      rejectedDir: join(dir, '..', `${source}-rejected`),
      nodeKey: source,
      backoff: { initialDelayMs: 100, maxDelayMs: opts.retryMaxMs ?? 2000, factor: 2 },
      requestTimeoutMs: 60_000,
      concurrency: DEFAULT_SHIP_CONCURRENCY,
      log,
      router: this.router,
      selfReport: () => this.selfReport(),
      onAck: (batch) => {
        const t = this.genTime.get(batch.seq);
        this.genTime.delete(batch.seq);
        if (t !== undefined) this.latencies.acked.push(Date.now() - t);
      },
      onResponse: (status, ms) => {
        if (status === 200) this.latencies.answered.push(ms);
      },
    });
    this.batcher = new Batcher({
      maxRecords: opts.batchMaxRecords ?? 1000,
      maxBytes: 4 * 1024 * 1024,
      maxAgeMs: opts.batchMaxAgeMs ?? 200,
      queue: this.queue,
      onQueued: (batch, first) => {
        this.genTime.set(batch.seq, Date.parse(first.time));
        this.shipper.notify();
      },
    });
  }

  async start(): Promise<void> {
    await this.queue.start();
    await this.router?.start();
    this.batcher.start();
    this.shipper.start();
  }

  /** Generates this tick's share; log lines owed while paused are generated once logs are accepted. */
  async tick(share: number): Promise<void> {
    if (this.containers && Date.now() >= this.nextSampleAt) await this.sample();
    this.owed += share;
    // Catching up after a pause reads at most one batch per tick, as a log reader would.
    const n = Math.min(Math.floor(this.owed), this.opts.batchMaxRecords ?? 1000);
    if (n === 0) return;
    const metricShare = this.opts.metricShare ?? 0;
    const records: WireRecord[] = [];
    let made = 0;
    for (; made < n; made++) {
      const isMetric = metricShare > 0 && (this.logs + this.metrics) % Math.round(1 / metricShare) === 0;
      if (!isMetric && !this.batcher.acceptsLogs()) break;
      records.push(isMetric ? this.metric(this.metrics++) : this.line(this.logs++));
    }
    this.owed -= made;
    if (records.length) await this.batcher.add(records);
  }

  /** One sampling round of the node: every container, the host, and the inventory. */
  private async sample(): Promise<void> {
    const interval = this.opts.intervalMs ?? 10_000;
    this.nextSampleAt += interval * Math.max(1, Math.ceil((Date.now() - this.nextSampleAt) / interval));
    const seq = this.samples++;
    const time = new Date();
    const records: WireRecord[] = [];
    for (let i = 0; i < this.containers; i++) records.push(containerRecord(this.node, i, seq, time));
    records.push(hostRecord(this.node, seq, time), inventoryRecord(this.node, this.containers, seq, time, interval));
    await this.batcher.add(records);
  }

  private line(seq: number): WireRecord {
    return logRecord(this.node, this.source, this.containerId, seq, this.filler);
  }

  /**
   * A non-log sample (the queue's 'metrics' class). An agent record stands in for a metric sample
   * because its schema is the smallest stable one; its node name is suffixed so it does not
   * overwrite this collector's live self-report in the aggregator's state.
   */
  private metric(seq: number): WireRecord {
    return {
      kind: 'agent',
      id: recordId(this.source, 'metric', seq),
      time: new Date().toISOString(),
      node: { id: '', hostname: `${this.source}-samples` },
      counters: { loadgen_seq: seq },
      gauges: {},
    };
  }

  private selfReport(): AgentRecord {
    const now = Date.now();
    const p = pipelineReport(this.queue.stats(), this.shipper.stats, now);
    return {
      kind: 'agent',
      id: recordId(this.source, 'agent', now),
      time: new Date(now).toISOString(),
      node: this.node,
      ...p,
    };
  }

  async close(): Promise<void> {
    await this.batcher.close();
    await this.shipper.close();
    this.router?.close();
  }
}

/** Latencies (ms) of batches queued and acked in this process. */
type Latencies = {
  /** From the batch's first record's generation to its acknowledgement (batching and queueing included). */
  acked: number[];
  /** From a request's send to its 200: the aggregator's own acknowledgement time. */
  answered: number[];
};

export class Loadgen {
  readonly collectors: SimulatedCollector[] = [];
  private readonly latencies: Latencies = { acked: [], answered: [] };
  /** Generation-to-acknowledgement latencies (ms) of batches queued and acked in this process. */
  readonly latenciesMs = this.latencies.acked;
  /** Send-to-200 latencies (ms) of this process's requests. */
  readonly answerMs = this.latencies.answered;
  private readonly opts: LoadgenOptions;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private dataDir = '';
  private ownsDir = false;

  constructor(opts: LoadgenOptions) {
    this.opts = opts;
  }

  async start(): Promise<void> {
    this.ownsDir = !this.opts.dataDir;
    this.dataDir = this.opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'swarmscope-loadgen-')));
    const log =
      this.opts.log ?? createLogger({ name: 'loadgen', level: process.env.SWARMSCOPE_TEST_LOG_LEVEL ?? 'error' });
    for (let i = 0; i < this.opts.collectors; i++) {
      const source = `${this.opts.run}-c${i}`;
      const c = new SimulatedCollector(
        source,
        join(this.dataDir, source),
        this.opts,
        log,
        this.latencies,
        this.opts.containers?.(i) ?? 0,
      );
      await c.start();
      this.collectors.push(c);
    }
    const tickMs = 100;
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const share = (this.opts.rate * (now - last)) / 1000 / this.collectors.length;
      last = now;
      // Ticks never overlap: a slow tick (busy CPU) is caught up by the next one's larger share.
      this.ticking = this.ticking
        .then(() => Promise.all(this.collectors.map((c) => c.tick(share))))
        .then(
          () => undefined,
          () => undefined,
        );
    }, tickMs);
  }

  /** Stops generating; what was generated stays queued until drain(). */
  async stopGenerating(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all(this.collectors.map((c) => c.batcher.flushAll()));
  }

  /** Waits until every record is acknowledged: nothing held by a batcher, every queue empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const done = () => this.collectors.every((c) => c.batcher.pendingRecords() === 0 && c.queue.peek() === undefined);
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    return done();
  }

  progress(): SourceProgress[] {
    return this.collectors.map((c) => ({ source: c.source, logs: c.logs, metrics: c.metrics }));
  }

  generated(): number {
    return this.collectors.reduce((n, c) => n + c.logs + c.metrics, 0);
  }

  queueBytes(): number {
    return this.collectors.reduce((n, c) => n + c.queue.stats().bytes, 0);
  }

  async close(): Promise<void> {
    await this.stopGenerating();
    await Promise.all(this.collectors.map((c) => c.close()));
    if (this.ownsDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** Percentile of a list of numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
