// Sends queued batches to the aggregator, oldest first, up to `concurrency` at once (each waits
// for its acknowledgement, so one slow fsync or bulk does not stall the others), and removes each
// from the queue only on a 200 acknowledgement. Retries with exponential backoff and jitter, honouring Retry-After;
// a batch the aggregator calls malformed (400/413/other 4xx) is set aside with its reason, not retried.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { backoffDelayMs, retryAfterMs, type BackoffPolicy } from '../../common/backoff.ts';
import {
  AGENT_HEADER,
  BATCH_ID_HEADER,
  compressBatch,
  decompressBatch,
  INGEST_PATH,
  NDJSON,
  NDJSON_V2,
} from '../../common/wire.ts';
import type { AgentRecord } from '../../common/schema/index.ts';
import type { Logger } from '../../common/logger.ts';
import type { DiskQueue, QueuedBatch } from './disk-queue.ts';
import { AggregatorClient, type AggregatorTls } from './aggregator-client.ts';
import type { Router } from './replica-routing.ts';

export type ShipperOptions = {
  queue: DiskQueue;
  /** One or more aggregator base URLs; the shipper moves to the next one when a request fails. */
  urls: string[];
  token: string;
  rejectedDir: string;
  nodeKey: string;
  backoff: BackoffPolicy;
  requestTimeoutMs: number;
  /** Batches in flight at once; acknowledgements may then arrive out of order (log read positions allow it). */
  concurrency: number;
  log: Logger;
  /** A batch left the queue for good: acknowledged, or set aside as malformed. */
  onAck?: (batch: QueuedBatch) => void;
  /** Each request's answer (0: none) and its time from send to answer, for measuring the aggregator. */
  onResponse?: (status: number, ms: number) => void;
  /** Several aggregator replicas: picks each request's URL by ownership (replica-routing.ts). */
  router?: Router;
  /** The collector's self-report, sent along with every request (see AGENT_HEADER). */
  selfReport?: () => AgentRecord;
  tls?: AggregatorTls;
};

export type ShipperStats = {
  shippedBatches: number;
  shippedRecords: number;
  retries: number;
  rejectedBatches: number;
  rejectedRecords: number;
  lastAckAt: number | undefined;
  /** Answers by HTTP status; "0" counts requests that got no answer (refused, reset, timed out). */
  responses: Record<string, number>;
  /** Sent again at once, with no backoff, because the connection closed under them (also in responses "0"). */
  resent: number;
};

const RETRYABLE_4XX = new Set([408, 429]);
/**
 * An aggregator that refused zstd or version 2 is sent gzip or version 1 for this long, then asked
 * again (it may have been upgraded).
 */
const FALLBACK_MS = 10 * 60_000;

export class Shipper {
  private readonly opts: ShipperOptions;
  private readonly client: AggregatorClient;
  private running = false;
  private loop: Promise<unknown> | undefined;
  /** Wakers of sleeping senders; `idle` ones wait for work, the others are in a backoff wait. */
  private readonly sleepers = new Map<() => void, { idle: boolean }>();
  private urlIndex = 0;
  private attempt = 0;
  /** Consecutive failures; with several URLs each is tried once before backing off. */
  private failuresInRow = 0;
  private authWarned = false;
  /** Aggregator URLs that answered a version 2 batch with 415, and when. */
  private readonly v1Only = new Map<string, number>();
  /** Aggregator URLs that answered a zstd batch with 415, and when. */
  private readonly gzipOnly = new Map<string, number>();
  readonly stats: ShipperStats = {
    shippedBatches: 0,
    shippedRecords: 0,
    retries: 0,
    rejectedBatches: 0,
    rejectedRecords: 0,
    lastAckAt: undefined,
    responses: {},
    resent: 0,
  };

  constructor(opts: ShipperOptions) {
    this.opts = opts;
    // A resend by the transport is an attempt without an answer, counted as the shipper counts its own.
    this.client = new AggregatorClient({
      connections: opts.concurrency,
      tls: opts.tls,
      onResend: () => {
        this.stats.responses[0] = (this.stats.responses[0] ?? 0) + 1;
        this.stats.resent++;
      },
    });
  }

  start(): void {
    this.running = true;
    this.loop = Promise.all(Array.from({ length: this.opts.concurrency }, () => this.run()));
  }

  /** Tells the shipper a batch was queued, so idle senders send it now (a backoff wait is kept). */
  notify(): void {
    for (const [wake, s] of this.sleepers) if (s.idle) wake();
  }

  async close(): Promise<void> {
    this.running = false;
    for (const wake of this.sleepers.keys()) wake();
    await this.loop;
    this.client.close();
  }

  /** Ships until the queue is empty or `deadline` passes; for shutdown and tests. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.opts.queue.peek() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.opts.queue.peek() === undefined;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const batch = this.opts.queue.take();
      if (!batch) {
        await this.sleep(1000, true);
        continue;
      }
      const delay = await this.send(batch).finally(() => this.opts.queue.release(batch));
      if (delay > 0) await this.sleep(delay, false);
    }
  }

  /** Sends one batch; returns how long to wait before the next attempt (0 = go on). */
  private async send(batch: QueuedBatch): Promise<number> {
    const url = this.opts.router?.pick() ?? this.opts.urls[this.urlIndex % this.opts.urls.length]!;
    let status: number;
    let retryAfter: string | undefined;
    let reason = '';
    let sentAt = 0;
    const v2 = batch.wire === 2 && !fallenBack(this.v1Only, url);
    const zstd = v2 && batch.compression === 'zstd' && !fallenBack(this.gzipOnly, url);
    try {
      let body = await this.opts.queue.read(batch);
      if ((batch.wire === 2 && !v2) || (batch.compression === 'zstd' && !zstd)) {
        try {
          body = await this.downgrade(body, batch, v2);
        } catch (err) {
          await this.setAside(batch, 0, (err as Error).message);
          this.opts.onAck?.(batch);
          return 0;
        }
      }
      sentAt = performance.now();
      const res = await this.client.post(
        url + INGEST_PATH,
        {
          'content-type': v2 ? NDJSON_V2 : NDJSON,
          'content-encoding': zstd ? 'zstd' : 'gzip',
          authorization: `Bearer ${this.opts.token}`,
          [BATCH_ID_HEADER]: `${this.opts.nodeKey}/${batch.seq}`,
          ...(this.opts.selfReport ? { [AGENT_HEADER]: JSON.stringify(this.opts.selfReport()) } : {}),
        },
        body,
        this.opts.requestTimeoutMs,
      );
      status = res.status;
      const ra = res.headers['retry-after'];
      retryAfter = Array.isArray(ra) ? ra[0] : ra;
      reason = res.text.slice(0, 2000);
    } catch (err) {
      status = 0;
      reason = (err as Error).message;
    }
    this.stats.responses[status] = (this.stats.responses[status] ?? 0) + 1;
    if (sentAt) this.opts.onResponse?.(status, performance.now() - sentAt);

    if (status === 200) {
      await this.opts.queue.ack(batch);
      this.attempt = 0;
      this.failuresInRow = 0;
      this.stats.shippedBatches++;
      this.stats.shippedRecords += batch.records;
      this.stats.lastAckAt = Date.now();
      this.opts.onAck?.(batch);
      return 0;
    }
    if (status === 415 && zstd) {
      // An aggregator from before zstd (a rolling upgrade): this batch and the next go as gzip.
      this.gzipOnly.set(url, Date.now());
      this.opts.log.warn({ url }, 'aggregator does not take zstd batches; sending gzip (upgrade it)');
      return 0;
    }
    if (status === 415 && v2) {
      // An aggregator from before version 2 (a rolling upgrade): this batch and the next go as version 1.
      this.v1Only.set(url, Date.now());
      this.opts.log.warn({ url }, 'aggregator does not take batch version 2; sending version 1 (upgrade it)');
      return 0;
    }
    if (status >= 400 && status < 500 && !RETRYABLE_4XX.has(status) && status !== 401 && status !== 403) {
      await this.setAside(batch, status, reason);
      // Set aside is final too: read positions behind it may move on (the batch is in rejected/).
      this.opts.onAck?.(batch);
      return 0;
    }
    if (status === 401 || status === 403) {
      if (!this.authWarned)
        this.opts.log.error(
          { url, status },
          'aggregator refused the token; batches are kept until SWARMSCOPE_TOKEN matches the aggregator',
        );
      this.authWarned = true;
    }
    this.stats.retries++;
    if (status === 0 || status >= 500) {
      // Another replica may take it now: try each URL once before waiting.
      this.urlIndex++;
      this.opts.router?.failed(url);
      this.failuresInRow++;
      const urls = this.opts.router?.size() ?? this.opts.urls.length;
      if (urls > 1 && this.failuresInRow % urls !== 0) return 0;
    }
    // Retry-After is a floor; a little jitter on top keeps many collectors from retrying in step.
    const asked = retryAfterMs(retryAfter);
    const delay =
      asked !== undefined
        ? Math.round(asked * (1 + Math.random() * 0.25))
        : backoffDelayMs(this.attempt, this.opts.backoff);
    this.attempt++;
    this.opts.log.debug(
      { url, status, batch: batch.seq, delayMs: delay, reason },
      'batch not acknowledged; will retry',
    );
    return delay;
  }

  /**
   * A queued batch as an older aggregator takes it: gzip, and version 1 unless `v2`. The decoder
   * (and typebox with it) is loaded only for an aggregator that predates version 2.
   */
  private async downgrade(body: Buffer, batch: QueuedBatch, v2: boolean): Promise<Buffer> {
    let lines = decompressBatch(body, batch.compression);
    if (batch.wire === 2 && !v2) lines = (await import('../../common/wire-v2.ts')).linesV2ToV1(lines);
    return compressBatch(lines, 'gzip');
  }

  /** Moves a refused batch out of the queue into rejectedDir with a .reason file beside it. */
  private async setAside(batch: QueuedBatch, status: number, reason: string): Promise<void> {
    await mkdir(this.opts.rejectedDir, { recursive: true });
    const target = join(this.opts.rejectedDir, basename(batch.path));
    await writeFile(`${target}.reason`, `${status} ${reason}\n`);
    await rename(batch.path, target);
    await this.opts.queue.reject(batch);
    this.stats.rejectedBatches++;
    this.stats.rejectedRecords += batch.records;
    this.opts.log.error(
      { batch: batch.seq, status, reason, setAsideAt: target },
      'aggregator refused a batch; set aside, not retried',
    );
  }

  private sleep(ms: number, idle: boolean): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        this.sleepers.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.set(wake, { idle });
    });
  }
}

/** Whether `url` is still within the time it is sent the older form (forgotten after FALLBACK_MS). */
function fallenBack(urls: Map<string, number>, url: string): boolean {
  const since = urls.get(url);
  if (since !== undefined && Date.now() - since > FALLBACK_MS) urls.delete(url);
  return urls.has(url);
}
