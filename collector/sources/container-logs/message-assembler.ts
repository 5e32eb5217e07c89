// Turns one container's log entries into messages: joins the pieces the engine split at 16 KiB
// (per stream, also across rotated files), merges multiline events by pattern, and truncates
// messages over the size limit once. It knows where every pending piece came from, so the reader
// can tell how far a file is safely consumed. Reading files and shipping are elsewhere.

export type Stream = 'stdout' | 'stderr';

/**
 * One entry as read: `partial` = the engine split the line and more pieces follow. The text of a
 * line's last piece comes without the line's newline (readers make it so as they decode: not a
 * string with it, then a slice of that, per line). `escapeFree`: the text and time hold no
 * character JSON escapes (the file had no escape in them but a final newline's, and no raw control byte).
 */
export type Piece = {
  stream: Stream;
  text: string;
  time: string;
  partial: boolean;
  file: string;
  offset: number;
  escapeFree?: boolean;
};

/**
 * A whole message. A whole line read in one entry, the common case, is its piece as it came (no
 * object made per line for it); the other fields say what the assembler did to the rest.
 */
export type Message = {
  stream: Stream;
  text: string;
  time: string;
  /** File key and byte offset of the first entry: the message's origin and id. */
  file: string;
  offset: number;
  /** Cut at the size bound; `originalLength` is then the whole message's length in bytes. */
  truncated?: boolean;
  originalLength?: number;
  /** Lines merged into it by the multiline pattern (absent: one). */
  lines?: number;
  /** Pieces of it may be missing: it straddles a stretch of the log that was deleted unread. */
  partialLost?: boolean;
  /** Its text and time need no JSON escaping (a whole line read as it is): the batch encoder quotes them as they are. */
  escapeFree?: boolean;
};

/** Where completed messages go (an array, or the read loop turning each into a record as it comes). */
export type MessageSink = { push(m: Message): unknown };

export type MultilineOptions = { pattern: RegExp; maxLines: number; flushTimeoutMs: number };

export type AssemblerOptions = {
  maxMessageBytes: number;
  multiline?: MultilineOptions;
  now?: () => number;
  /**
   * json-file gives every piece of a line its first piece's time: a piece of another time on the
   * stream means the engine never wrote the rest (it restarted mid-line), so the line ends there.
   */
  piecesShareTime?: boolean;
  /** The size of the engine's split pieces (json-file: 16 KiB; the model test makes them small). */
  splitBytes?: number;
};

/** A message being built: text pieces under the size bound, and the first offset it holds in each file. */
type Building = {
  parts: string[];
  bytes: number;
  originalLength: number;
  truncated: boolean;
  time: string;
  file: string;
  offset: number;
  lines: number;
  starts: Map<string, number>;
  since: number;
  partialLost: boolean;
  /** The last piece was a full 16 KiB split: the engine meant to write more of this line. */
  split: boolean;
};

/** The engine splits a line into pieces of this many bytes; a shorter unterminated piece ended at the container's exit. */
const ENGINE_SPLIT_BYTES = 16 * 1024;

export class MessageAssembler {
  private readonly opts: AssemblerOptions;
  private readonly now: () => number;
  /** Pieces of a line still being joined, per stream. */
  private readonly joining = new Map<Stream, Building>();
  /** Complete lines of a multiline event still being merged, per stream. */
  private readonly merging = new Map<Stream, Building>();
  /** Streams whose next message starts right after a gap (its first pieces may be gone). */
  private readonly afterGap = new Set<Stream>();

  constructor(opts: AssemblerOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  push(p: Piece, out: MessageSink): void {
    // The common case, a whole line in one entry with nothing of its stream pending, is its own
    // message: no Building (its parts array and Map were the largest per-line allocation at 100 B
    // lines), and no object of its own (a fifth of what was left per line).
    if (
      !p.partial &&
      !this.opts.multiline &&
      !this.joining.has(p.stream) &&
      !this.afterGap.has(p.stream) &&
      Buffer.byteLength(p.text) <= this.opts.maxMessageBytes
    ) {
      out.push(p);
      return;
    }
    let b = this.joining.get(p.stream);
    if (b && this.opts.piecesShareTime && b.time !== p.time) {
      if (b.split) {
        // After a full split the rest of the line was due: it was never written (the engine
        // restarted) or sat in a generation lost without a look noticing. In the second case this
        // piece may be the tail of a line whose head went with it (json-file marks no first piece):
        // a gap, so the cut line and the next one of each stream are flagged and counted.
        this.markGap(out);
      } else {
        this.joining.delete(p.stream);
        this.lineComplete(p.stream, b, out);
      }
      b = undefined;
    }
    if (!b) {
      b = startBuilding(p, this.now());
      if (this.afterGap.delete(p.stream)) b.partialLost = true;
      this.joining.set(p.stream, b);
    } else if (!b.starts.has(p.file)) {
      b.starts.set(p.file, p.offset);
    }
    this.append(b, p.text, '');
    b.split = p.partial && Buffer.byteLength(p.text) === (this.opts.splitBytes ?? ENGINE_SPLIT_BYTES);
    if (p.partial) return;
    this.joining.delete(p.stream);
    this.lineComplete(p.stream, b, out);
  }

  private lineComplete(stream: Stream, b: Building, out: MessageSink): void {
    if (!this.opts.multiline) out.push(toMessage(stream, b));
    else this.mergeLine(stream, b, out);
  }

  /**
   * What follows may not continue what came before (a generation between them may have been
   * deleted unread): lines still open end here, flagged, and each stream's next line is flagged too.
   */
  markGap(out: MessageSink): void {
    for (const [stream, b] of this.joining) {
      b.partialLost = true;
      out.push(toMessage(stream, b));
    }
    this.joining.clear();
    for (const [stream, b] of this.merging) out.push(toMessage(stream, b));
    this.merging.clear();
    this.afterGap.add('stdout');
    this.afterGap.add('stderr');
  }

  private mergeLine(stream: Stream, line: Building, out: MessageSink): void {
    const ml = this.opts.multiline!;
    const text = line.parts.join('');
    const cur = this.merging.get(stream);
    if (
      cur &&
      !line.truncated &&
      !cur.truncated &&
      !line.partialLost &&
      cur.lines < ml.maxLines &&
      !ml.pattern.test(text)
    ) {
      this.append(cur, text, '\n');
      cur.lines++;
      for (const [f, o] of line.starts) if (!cur.starts.has(f)) cur.starts.set(f, o);
      return;
    }
    if (cur) out.push(toMessage(stream, cur));
    line.lines = 1;
    this.merging.set(stream, line);
  }

  /** Appends text (after `sep`) keeping at most maxMessageBytes; counts the original length. */
  private append(b: Building, text: string, sep: string): void {
    const textBytes = Buffer.byteLength(text);
    b.originalLength += textBytes + sep.length;
    if (b.truncated) return;
    const room = this.opts.maxMessageBytes - b.bytes;
    if (textBytes + sep.length <= room) {
      if (sep) b.parts.push(sep);
      b.parts.push(text);
      b.bytes += textBytes + sep.length;
      return;
    }
    const cut = truncateUtf8(sep + text, Math.max(0, room));
    b.parts.push(cut);
    b.bytes += Buffer.byteLength(cut);
    b.truncated = true;
  }

  /** Messages whose multiline wait is over (or all of them, when the container stopped). */
  flush(out: MessageSink, all: boolean): void {
    const ml = this.opts.multiline;
    const now = this.now();
    for (const [stream, b] of this.merging) {
      if (all || !ml || now - b.since >= ml.flushTimeoutMs) {
        out.push(toMessage(stream, b));
        this.merging.delete(stream);
      }
    }
    if (!all) return;
    // A line the container never finished (no newline before exit) is a message of its own. After a
    // full split the engine meant to write more (it gave up on its copy at the exit): flagged.
    for (const [stream, b] of this.joining) {
      if (b.split) b.partialLost = true;
      out.push(toMessage(stream, b));
    }
    this.joining.clear();
  }

  /** Earliest offset per file still held here: a file is consumed only up to there. */
  earliestHeldOffsets(into: Map<string, number>): void {
    for (const map of [this.joining, this.merging]) {
      for (const b of map.values()) {
        for (const [f, o] of b.starts) {
          const cur = into.get(f);
          if (cur === undefined || o < cur) into.set(f, o);
        }
      }
    }
  }

  get holdsPieces(): boolean {
    return this.joining.size > 0 || this.merging.size > 0;
  }

  reset(): void {
    this.joining.clear();
    this.merging.clear();
    this.afterGap.clear();
  }
}

function startBuilding(p: Piece, now: number): Building {
  return {
    parts: [],
    bytes: 0,
    originalLength: 0,
    truncated: false,
    time: p.time,
    file: p.file,
    offset: p.offset,
    lines: 1,
    starts: new Map([[p.file, p.offset]]),
    since: now,
    partialLost: false,
    split: false,
  };
}

function toMessage(stream: Stream, b: Building): Message {
  const text = b.parts.length === 1 ? b.parts[0]! : b.parts.join('');
  return {
    stream,
    text,
    time: b.time,
    file: b.file,
    offset: b.offset,
    ...(b.truncated && { truncated: true, originalLength: b.originalLength }),
    ...(b.lines > 1 && { lines: b.lines }),
    ...(b.partialLost && { partialLost: true }),
  };
}

/** The longest prefix of `text` that fits in maxBytes of UTF-8 without cutting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.toString('utf8', 0, end);
}
