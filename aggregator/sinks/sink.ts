// What a durable sink promises the ingest route: write() resolves only when every record is held
// (stored, or already stored) or set aside with a reason; it throws SinkUnavailable otherwise.
import type { WireRecord } from '../../common/schema/index.ts';
import { SwarmscopeError } from '../../common/errors.ts';

export type WriteOutcome = { held: number; setAside: number };

export interface DurableSink {
  readonly name: string;
  start(): Promise<void>;
  /** True once the sink can take writes (templates installed, store reachable). */
  ready(): boolean;
  /**
   * `ndjson`, when given, is the batch as version 1 lines (one validated record per line, in order;
   * a function builds it on demand, as bytes): a sink that stores records as JSON lines may write it as is
   * instead of serialising them again.
   */
  write(records: readonly WireRecord[], batchId: string, ndjson?: string | (() => Buffer)): Promise<WriteOutcome>;
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
