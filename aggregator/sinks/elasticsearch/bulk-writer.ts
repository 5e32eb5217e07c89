// One batch into Elasticsearch with per-item outcomes: created or 409 on the deterministic id =
// held; 429/5xx = retried (with backoff, within a time budget); any other item error = set aside
// in the dead-letter index with its reason. The batch is acknowledged only when every item is
// held or set aside. A request Elasticsearch refuses as too large (413) is split in halves.
// Each item's `_bulk` lines are written once, as bytes, when a batch's items are made; a request's
// body is those bytes (see bulkBody), compressed once at level 1 (a large one off the main thread; a
// retry resends the same bytes); the response is filtered to the per-item status.
// Concurrent batches share requests (bulk-coalescer.ts) once `concurrency` requests are in flight.
import { errors, type Client } from '@elastic/elasticsearch';
import { backoffDelayMs } from '../../../common/backoff.ts';
import { ByteWriter } from '../../../common/byte-writer.ts';
import { SinkUnavailable, type WriteOutcome } from '../sink.ts';
import { deadLetterDoc } from './dead-letter.ts';
import { BulkCoalescer } from './bulk-coalescer.ts';
import { compressBody, type EsCompression } from './request-compression.ts';
import { BULK_FILTER } from './bulk-answer.ts';

/**
 * A document to create, as the bytes of its `_bulk` lines in `text`, which a batch's items share:
 * the action line from `action`, the document's JSON text [start, end), its newline at `end`.
 * Written once when the items are made (a retry copies them again), so no string per document
 * lives on the heap while Elasticsearch answers, and a request of one batch's items in order is
 * that buffer as it is.
 */
export type BulkItem = {
  index: string;
  id: string;
  raw: unknown;
  text: Buffer;
  action: number;
  start: number;
  end: number;
};

/**
 * An item's lines are its action line (`writeAction`), its document, written after it by the
 * caller, and a newline (`endItem`, which gives the item): no closure or object per document
 * besides the item.
 */
export function writeAction(out: ByteWriter, index: string, id: string): number {
  const action = out.off;
  out.bytes(actionHead(index));
  // Every record's id matched the wire's pattern (^[A-Za-z0-9_-]+$): quoting it is all it needs.
  out.ascii(id);
  out.bytes(ACTION_TAIL);
  return action;
}

/** Ends the item whose action line began at `action` and its document at `start`. */
export function endItem(
  out: ByteWriter,
  index: string,
  id: string,
  raw: unknown,
  action: number,
  start: number,
): BulkItem {
  const end = out.off;
  out.byte(0x0a);
  return { index, id, raw, text: out.buf, action, start, end };
}

/**
 * Each index's action line up to its id, made once (JSON.stringify of index and id per document was
 * a tenth of writing its items). An aggregator names five indices a day: the few kept are those of
 * the days it writes now.
 */
const actionHeads = new Map<string, Buffer>();
const ACTION_HEADS_KEPT = 64;
/** What follows the id in actionLine's text. */
const ACTION_TAIL = Buffer.from('"}}\n');

function actionHead(index: string): Buffer {
  let head = actionHeads.get(index);
  if (head) return head;
  if (actionHeads.size >= ACTION_HEADS_KEPT) actionHeads.clear();
  // actionLine's own text for an empty id, cut where the id goes: one definition of the line.
  const line = actionLine(index, '');
  head = Buffer.from(line.slice(0, line.length - ACTION_TAIL.length));
  actionHeads.set(index, head);
  return head;
}

/** Items of documents already serialised (set-aside records), sharing one buffer. */
export function itemsOfJson(
  docs: ReadonlyArray<{ index: string; id: string; raw: unknown; json: string }>,
): BulkItem[] {
  const out = new ByteWriter(docs.reduce((n, d) => n + d.json.length + 128, 0));
  const items = docs.map((d) => {
    const action = writeAction(out, d.index, d.id);
    const start = out.off;
    out.text(d.json);
    return endItem(out, d.index, d.id, d.raw, action, start);
  });
  return sharing(items, out.written());
}

/** The items, each given the final buffer their documents were written into (growing replaces it). */
export function sharing(items: BulkItem[], text: Buffer): BulkItem[] {
  for (const it of items) it.text = text;
  return items;
}

/** An item's document as text. */
export function docText(item: BulkItem): string {
  return item.text.toString('utf8', item.start, item.end);
}

export type BulkCounters = {
  created: number;
  duplicate: number;
  retried: number;
  setAside: number;
  requests: number;
  failedRequests: number;
  seconds: number;
};

type ItemResult = { status: number; error?: { type?: string; reason?: string } };

/** A `create` action line; without an id, Elasticsearch makes one (the benches' peers send none). */
export function actionLine(index: string, id?: string): string {
  return `{"create":{"_index":${JSON.stringify(index)}${id === undefined ? '' : `,"_id":${JSON.stringify(id)}`}}}\n`;
}

/**
 * The `_bulk` body of `items`: their lines as written. Items that follow each other in one buffer
 * are one run, copied at once; a request that is one run is that buffer's bytes, not a copy
 * (every buffer a request makes is memory outside V8's heap, and V8 starts a major collection each
 * time that grows by 64 MB: at 2 KiB lines, the body's copy was a third of it).
 */
export function bulkBody(items: readonly BulkItem[]): Buffer {
  const runs: Array<{ text: Buffer; from: number; to: number }> = [];
  let size = 0;
  for (const it of items) {
    const last = runs.at(-1);
    if (last && last.text === it.text && last.to === it.action) last.to = it.end + 1;
    else runs.push({ text: it.text, from: it.action, to: it.end + 1 });
    size += it.end + 1 - it.action;
  }
  if (runs.length === 1) return runs[0]!.text.subarray(runs[0]!.from, runs[0]!.to);
  const out = new ByteWriter(size);
  for (const r of runs) out.range(r.text, r.from, r.to);
  return out.written();
}

/** Documents one shared request carries at most (a single larger batch still goes whole). */
export const BULK_MAX_DOCS = 5000;

/** How long a client is told to wait when Elasticsearch cannot take the batch now. */
export const SINK_RETRY_AFTER_SECONDS = 2;

export class BulkWriter {
  private readonly client: Client;
  private readonly deadLetterIndex: string;
  private readonly budgetMs: number;
  private readonly onRequest: (seconds: number, ok: boolean) => void;
  private readonly compression: EsCompression;
  readonly requests: BulkCoalescer<BulkItem, ItemResult | undefined>;
  readonly counters: BulkCounters = {
    created: 0,
    duplicate: 0,
    retried: 0,
    setAside: 0,
    requests: 0,
    failedRequests: 0,
    seconds: 0,
  };

  constructor(opts: {
    client: Client;
    deadLetterIndex: string;
    budgetMs: number;
    /** Requests in flight at once; batches arriving meanwhile share the next one. */
    concurrency: number;
    /** How request bodies are compressed. */
    compression: EsCompression;
    onRequest?: (seconds: number, ok: boolean) => void;
  }) {
    this.compression = opts.compression;
    this.client = opts.client;
    this.deadLetterIndex = opts.deadLetterIndex;
    this.budgetMs = opts.budgetMs;
    this.onRequest = opts.onRequest ?? (() => {});
    this.requests = new BulkCoalescer((items, deadline) => this.request(items, deadline), {
      concurrency: opts.concurrency,
      maxDocs: BULK_MAX_DOCS,
    });
  }

  /** `budgetMs` overrides the configured budget (a probe of a sink known to be down uses a short one). */
  async write(items: BulkItem[], batchId: string, budgetMs = this.budgetMs): Promise<WriteOutcome> {
    const deadline = Date.now() + budgetMs;
    let pending = items;
    let held = 0;
    let setAside = 0;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const results = await this.requests.send(pending, deadline);
      const retry: BulkItem[] = [];
      const rejected: Array<{ item: BulkItem; result: ItemResult }> = [];
      results.forEach((result, i) => {
        const item = pending[i]!;
        if (result === undefined || result.status === 429 || result.status >= 500) {
          retry.push(item);
        } else if (result.status === 201 || result.status === 200) {
          this.counters.created++;
          held++;
        } else if (result.status === 409) {
          this.counters.duplicate++;
          held++;
        } else {
          rejected.push({ item, result });
        }
      });
      if (rejected.length) setAside += await this.setAside(rejected, batchId, deadline);
      pending = retry;
      if (pending.length === 0) break;
      this.counters.retried += pending.length;
      const delay = backoffDelayMs(attempt, { initialDelayMs: 100, maxDelayMs: 2000, factor: 2 });
      if (Date.now() + delay > deadline) {
        throw new SinkUnavailable(
          `${pending.length} of ${items.length} records in batch ${batchId} still refused by Elasticsearch (429/5xx) after ${budgetMs} ms`,
          SINK_RETRY_AFTER_SECONDS,
        );
      }
      await new Promise((r) => setTimeout(r, delay));
    }
    return { held, setAside };
  }

  private async setAside(
    rejected: Array<{ item: BulkItem; result: ItemResult }>,
    batchId: string,
    deadline: number,
  ): Promise<number> {
    const now = new Date().toISOString();
    const items = itemsOfJson(
      rejected.map(({ item, result }) => ({
        index: this.deadLetterIndex,
        id: item.id,
        raw: item.raw,
        json: JSON.stringify(
          deadLetterDoc({
            record: item.raw,
            recordId: item.id,
            targetIndex: item.index,
            batchId,
            errorType: result.error?.type ?? 'unknown',
            reason: result.error?.reason ?? `status ${result.status}`,
            now,
          }),
        ),
      })),
    );
    const results = await this.requests.send(items, deadline);
    const failed = results.filter((r) => !r || (r.status !== 201 && r.status !== 200 && r.status !== 409));
    if (failed.length)
      throw new SinkUnavailable(
        `could not store ${failed.length} set-aside records of batch ${batchId} in ${this.deadLetterIndex}`,
        SINK_RETRY_AFTER_SECONDS,
      );
    this.counters.setAside += items.length;
    return items.length;
  }

  /** One _bulk request (two halves on 413); a whole-request failure is retried until the deadline, then 503. */
  private async request(items: BulkItem[], deadline: number): Promise<Array<ItemResult | undefined>> {
    const { body, headers } = await compressBody(bulkBody(items), this.compression);
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      this.counters.requests++;
      try {
        const res = await this.client.bulk(
          { body, filter_path: BULK_FILTER } as unknown as Parameters<Client['bulk']>[0],
          { compression: false, headers },
        );
        this.observe(started, true);
        const answered = (res.items ?? []) as Array<{ create?: ItemResult }>;
        return items.map((_, i) => answered[i]?.create);
      } catch (err) {
        this.observe(started, false);
        this.counters.failedRequests++;
        if (err instanceof errors.ResponseError && err.statusCode === 413 && items.length > 1) {
          const half = Math.ceil(items.length / 2);
          return [
            ...(await this.request(items.slice(0, half), deadline)),
            ...(await this.request(items.slice(half), deadline)),
          ];
        }
        const delay = backoffDelayMs(attempt, { initialDelayMs: 200, maxDelayMs: 2000, factor: 2 });
        if (Date.now() + delay > deadline)
          throw new SinkUnavailable(
            `Elasticsearch bulk request failed: ${(err as Error).message}`,
            SINK_RETRY_AFTER_SECONDS,
            err,
          );
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private observe(started: number, ok: boolean): void {
    const s = (performance.now() - started) / 1000;
    this.counters.seconds += s;
    this.onRequest(s, ok);
  }
}
