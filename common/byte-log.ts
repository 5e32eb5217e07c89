// A json-file log record decoded from a version 2 batch whose message stays as its bytes in the
// batch until something reads it. The Elasticsearch path copies those bytes and never needs the
// string: at 2 KiB lines, making one per line and collecting it after Elasticsearch answered was
// about a sixth of the aggregator's CPU. Reading `message` makes the string once and lets go of
// the batch; a long-lived holder of a few records (the UI's recent lines) bounds what it keeps.
import type { ContainerRef, LogRecord, NodeRef } from './schema/index.ts';

/** Buffer's own UTF-8 decoder, without toString's argument handling. */
type Utf8Slice = { utf8Slice(start: number, end: number): string };

export class ByteLog implements LogRecord {
  readonly kind = 'log' as const;
  readonly id: string;
  readonly time: string;
  readonly node: NodeRef;
  readonly container: ContainerRef;
  readonly stream: 'stdout' | 'stderr';
  readonly origin: { source: string; file: string; offset: number };
  /** Where the message's UTF-8 is (no JSON escape in it); undefined once the string is made. */
  #bytes: Buffer | undefined;
  #start: number;
  #end: number;
  #message: string | undefined;

  constructor(
    group: {
      node: NodeRef;
      container: ContainerRef;
      stream: 'stdout' | 'stderr';
      origin: { source: string; file: string };
    },
    id: string,
    time: string,
    offset: number,
    bytes: Buffer,
    start: number,
    end: number,
  ) {
    this.id = id;
    this.time = time;
    this.node = group.node;
    this.container = group.container;
    this.stream = group.stream;
    this.origin = { source: group.origin.source, file: group.origin.file, offset };
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  get message(): string {
    if (this.#message === undefined) {
      this.#message = (this.#bytes as unknown as Utf8Slice).utf8Slice(this.#start, this.#end);
      this.#bytes = undefined;
    }
    return this.#message;
  }

  /** The memory this record keeps alive until its message is read (the batch's, shared by its lines). */
  get batch(): ArrayBufferLike | undefined {
    return this.#bytes?.buffer;
  }

  /** The message's length in UTF-8 bytes, without making it. */
  get messageBytes(): number {
    return this.#bytes ? this.#end - this.#start : Buffer.byteLength(this.#message!);
  }

  /** The record as a plain LogRecord would serialise, in its field order (JSON.stringify calls this). */
  toJSON(): LogRecord {
    const { kind, id, time, node, container, stream, message, origin } = this;
    return { kind, id, time, node, container, stream, message, origin };
  }
}
