// What a durable sink promises the ingest route: write() resolves only when every record is held
// (stored, or already stored) or set aside with a reason; it throws SinkUnavailable otherwise.
import type { WireRecord } from '../../common/schema/index.ts';
import type { BatchCompression } from '../../common/wire.ts';
import type { MessageTexts } from '../../common/wire-v2.ts';
import { SwarmscopeError } from '../../common/errors.ts';

export type WriteOutcome = { held: number; setAside: number };

/**
 * A batch's body as the ingest route received and validated it (version 1 or 2 encoding;
 * compressed as sent, `compression` undefined when it was not), and for version 2 its log
 * messages' JSON text as decoded: `messages.span(i)` is that of the i-th of the very records
 * written with it, so a sink that passes them on filtered drops it.
 */
export type RawBatch = { body: Buffer; compression: BatchCompression | undefined; messages?: MessageTexts };

export interface DurableSink {
  readonly name: string;
  start(): Promise<void>;
  /** True once the sink can take writes (templates installed, store reachable). */
  ready(): boolean;
  /**
   * `raw`, when given, is the request body the records were decoded from: a sink that stores
   * batches may write it as is instead of encoding the records again.
   */
  write(records: readonly WireRecord[], batchId: string, raw?: RawBatch): Promise<WriteOutcome>;
  /**
   * Seconds a client should wait when the sink is known to be down and one request is already
   * probing it (ingest answers 503 at once instead of tying up a slot); 0 = try the write.
   */
  unavailableFor?(): number;
  close(): Promise<void>;
}

/** The sink cannot hold the batch now; the client should retry after retryAfterSeconds. */
export class SinkUnavailable extends SwarmscopeError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, cause?: unknown) {
    super('AGG_ERR_SINK_DOWN', message, { cause, remedy: 'the collector keeps the batch and retries' });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
