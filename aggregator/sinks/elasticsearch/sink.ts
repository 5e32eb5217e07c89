// The Elasticsearch sink: installs templates, encodes records into per-day indices with
// deterministic ids, writes through the bulk writer, and enforces retention. Once a write finds
// Elasticsearch unavailable, the sink is "down": one request at a time probes it (with a short
// budget) while the others are answered 503 at once, so an outage holds no request slots.
import type { Client } from '@elastic/elasticsearch';
import { ByteLog } from '../../../common/byte-log.ts';
import { ByteWriter } from '../../../common/byte-writer.ts';
import { BufferPool } from '../../buffer-pool.ts';
import type { WireRecord } from '../../../common/schema/index.ts';
import type { MessageTexts } from '../../../common/wire-v2.ts';
import type { Logger } from '../../../common/logger.ts';
import type { ElasticsearchConfig } from '../../config.ts';
import { SinkUnavailable, type DurableSink, type RawBatch, type WriteOutcome } from '../sink.ts';
import { createEsClient } from './client.ts';
import { BulkWriter, SINK_RETRY_AFTER_SECONDS, endItem, sharing, writeAction, type BulkItem } from './bulk-writer.ts';
import { deadLetterIndex } from './dead-letter.ts';
import { writeRecordJson } from './encode.ts';
import { DATASETS, datasetOf, indexNamer } from './index-name.ts';
import { deadLetterTemplate, templateFor } from './templates.ts';
import { enforceRetention } from './retention.ts';

const RETENTION_EVERY_MS = 3_600_000;
/** Documents' buffers kept for the next batches: a few batches' worth (a 4 MiB batch of 2 KiB lines makes ~6 MiB). */
const POOLED_BYTES = 64 * 1024 * 1024;
const POOL_IDLE_MS = 10_000;
/** A probe of a down Elasticsearch gives up after this, so recovery is noticed within seconds. */
const PROBE_BUDGET_MS = 2_000;

/** Room for the records' `_bulk` lines, most of the time (the writer grows past it). */
export function bulkBytes(records: readonly WireRecord[]): number {
  let size = 4096;
  for (const r of records)
    size += r instanceof ByteLog ? r.messageBytes + 1152 : r.kind === 'log' ? r.message.length + 1152 : 2176;
  return size;
}

/**
 * The records' documents, each to its dataset's daily index under its deterministic id (an
 * inventory has none), written into `out`.
 */
export function bulkItems(
  indexPrefix: string,
  records: readonly WireRecord[],
  messages?: MessageTexts,
  out = new ByteWriter(bulkBytes(records)),
): BulkItem[] {
  const items: BulkItem[] = [];
  const indexOf = indexNamer(indexPrefix);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const dataset = datasetOf(record);
    if (!dataset) continue;
    const index = indexOf(dataset, record.time);
    const action = writeAction(out, index, record.id);
    const start = out.off;
    writeRecordJson(out, record, dataset, messages?.bytes, messages?.span(i));
    items.push(endItem(out, index, record.id, record, action, start));
  }
  return sharing(items, out.written());
}

export class ElasticsearchSink implements DurableSink {
  readonly name = 'elasticsearch';
  readonly client: Client;
  readonly writer: BulkWriter;
  private readonly config: ElasticsearchConfig;
  private readonly log: Logger;
  private installed = false;
  private installing: Promise<void> | undefined;
  private retentionTimer: NodeJS.Timeout | undefined;
  private down = false;
  private probing = false;
  /** The documents' buffers, each given back once its batch's requests are all answered. */
  readonly buffers = new BufferPool({ maxBytes: POOLED_BYTES, idleMs: POOL_IDLE_MS });

  constructor(config: ElasticsearchConfig, log: Logger, onRequest?: (seconds: number, ok: boolean) => void) {
    this.config = config;
    this.log = log;
    this.client = createEsClient(config);
    this.writer = new BulkWriter({
      client: this.client,
      deadLetterIndex: deadLetterIndex(config.indexPrefix),
      budgetMs: config.itemRetryBudgetMs,
      concurrency: config.bulkConcurrency,
      compression: config.compression,
      onRequest,
    });
  }

  /** Tries once to install templates; if Elasticsearch is not there yet, write() tries again. */
  async start(): Promise<void> {
    await this.ensureTemplates().catch((err: Error) =>
      this.log.warn(
        { err: err.message, urls: this.config.urls.join(',') },
        'Elasticsearch not reachable yet; ingest answers 503 until it is',
      ),
    );
    this.retentionTimer = setInterval(() => void this.retention(), RETENTION_EVERY_MS);
    this.retentionTimer.unref();
    void this.retention();
  }

  ready(): boolean {
    return this.installed && !this.down;
  }

  unavailableFor(): number {
    return this.down && this.probing ? SINK_RETRY_AFTER_SECONDS : 0;
  }

  async write(records: readonly WireRecord[], batchId: string, raw?: RawBatch): Promise<WriteOutcome> {
    const probe = this.down;
    if (probe) this.probing = true;
    try {
      const outcome = await this.writeNow(records, batchId, raw?.messages, probe ? PROBE_BUDGET_MS : undefined);
      if (this.down) this.log.warn({ urls: this.config.urls.join(',') }, 'Elasticsearch takes writes again');
      this.down = false;
      return outcome;
    } catch (err) {
      if (err instanceof SinkUnavailable) {
        if (!this.down)
          this.log.warn(
            { urls: this.config.urls.join(','), err: err.message },
            'Elasticsearch unavailable: ingest answers 503 with Retry-After until it is back',
          );
        this.down = true;
      }
      throw err;
    } finally {
      if (probe) this.probing = false;
    }
  }

  private async writeNow(
    records: readonly WireRecord[],
    batchId: string,
    messages: MessageTexts | undefined,
    budgetMs: number | undefined,
  ): Promise<WriteOutcome> {
    try {
      await this.ensureTemplates();
    } catch (err) {
      throw new SinkUnavailable(
        `Elasticsearch at ${this.config.urls.join(', ')} unavailable: ${(err as Error).message}`,
        SINK_RETRY_AFTER_SECONDS,
        err,
      );
    }
    const out = new ByteWriter(this.buffers.take(bulkBytes(records)));
    try {
      const items = bulkItems(this.config.indexPrefix, records, messages, out);
      if (items.length === 0) return { held: 0, setAside: 0 };
      return await this.writer.write(items, batchId, budgetMs);
    } finally {
      // Safe either way: write() settles only once every request carrying these items has been
      // answered or has failed (uncompressed, a request's body is this very buffer).
      this.buffers.give(out.buf);
    }
  }

  private ensureTemplates(): Promise<void> {
    if (this.installed) return Promise.resolve();
    this.installing ??= this.install().finally(() => (this.installing = undefined));
    return this.installing;
  }

  private async install(): Promise<void> {
    for (const t of [
      ...DATASETS.map((d) => templateFor(this.config.indexPrefix, d, this.config.indexCounts)),
      deadLetterTemplate(this.config.indexPrefix, this.config.indexCounts),
    ]) {
      await this.client.indices.putIndexTemplate(t as Parameters<Client['indices']['putIndexTemplate']>[0]);
    }
    this.installed = true;
  }

  private async retention(): Promise<void> {
    try {
      const deleted = await enforceRetention(this.client, this.config.indexPrefix, this.config.retentionDays);
      if (deleted.length) this.log.info({ deleted }, 'retention removed old indices');
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'retention pass skipped');
    }
  }

  async close(): Promise<void> {
    if (this.retentionTimer) clearInterval(this.retentionTimer);
    this.buffers.close();
    await this.client.close();
  }
}
