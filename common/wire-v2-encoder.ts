// Batch encoding version 2 (README "Wire contract"; the format and its decoder: wire-v2.ts),
// encoded as the collector builds a batch. Apart from the decoder so that a collector never loads
// typebox, which the decoder validates with (~20 MiB of resident memory on every node).
import { ByteWriter } from './byte-writer.ts';
import { isEscapeFree } from './escape-free.ts';
import { LogGroups } from './log-groups.ts';
import type { LogRecord, WireRecord } from './schema/index.ts';
import type { Extras, FileLog, Group } from './wire-v2.ts';

const LINE_END = Buffer.from(']\n');

function isFileLog(r: WireRecord): r is FileLog {
  return r.kind === 'log' && r.origin.file !== undefined && r.origin.offset !== undefined;
}

/**
 * Encodes records one at a time as they arrive (so that a batch waiting to fill holds bytes, not
 * records the garbage collector would copy at every scavenge). Records keep their order; groups are
 * found by the identity of node and container.
 */
export class BatchEncoderV2 {
  private readonly out: ByteWriter;
  private readonly groups = new LogGroups<number>();
  private next = 0;
  /** Records encoded so far. */
  records = 0;

  constructor(sizeHint = 256 * 1024) {
    this.out = new ByteWriter(sizeHint);
  }

  /** Bytes encoded so far. */
  get bytes(): number {
    return this.out.off;
  }

  add(r: WireRecord): void {
    this.records++;
    const out = this.out;
    if (!isFileLog(r)) {
      out.text(JSON.stringify(r) + '\n');
      return;
    }
    const o = r.origin;
    const g = this.groups.get(r) ?? this.groups.set(r, this.define(r));
    // Written piece by piece: a string made per line for these was a third of what the collector
    // allocated per 100 B line, and the young generation's collections follow the bytes allocated.
    out.byte(0x5b); // [
    out.number(g);
    out.byte(0x2c);
    const free = isEscapeFree(r);
    out.json(r.id, free);
    out.byte(0x2c);
    out.json(r.time, free);
    out.byte(0x2c);
    out.number(o.offset);
    out.byte(0x2c);
    out.json(r.message, free);
    const extras = extrasOf(r);
    if (extras) out.text(`,${JSON.stringify(extras)}]\n`);
    else out.bytes(LINE_END);
  }

  /** Writes the line that defines r's group, the next by number, and gives its number. */
  private define(r: FileLog): number {
    const def: Group = {
      group: this.next,
      node: r.node,
      container: r.container,
      stream: r.stream,
      origin: { source: r.origin.source, file: r.origin.file },
    };
    this.out.text(JSON.stringify(def) + '\n');
    return this.next++;
  }

  /** The batch's lines, newline-terminated. */
  finish(): Buffer {
    return this.out.written();
  }
}

/** The batch's lines, newline-terminated. */
export function encodeLinesV2(records: readonly WireRecord[]): Buffer {
  let size = 4096;
  for (const r of records) size += r.kind === 'log' ? r.message.length + 160 : 1024;
  const e = new BatchEncoderV2(size);
  for (const r of records) e.add(r);
  return e.finish();
}

function extrasOf(r: LogRecord): Extras | undefined {
  if (r.truncated === undefined && r.originalLength === undefined && !r.json && !r.multiline && !r.flags)
    return undefined;
  const e: Extras = {};
  if (r.truncated !== undefined) e.truncated = r.truncated;
  if (r.originalLength !== undefined) e.originalLength = r.originalLength;
  if (r.json) e.json = r.json;
  if (r.multiline) e.multiline = r.multiline;
  if (r.flags) e.flags = r.flags;
  return e;
}
