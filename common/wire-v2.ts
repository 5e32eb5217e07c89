// Batch encoding version 2 (README "Wire contract"), decoded: json-file log records travel as
// compact lines that name a container group (node, container, stream, origin file) defined once per
// batch, so neither side serialises or parses a container's metadata per line; every other record
// is a version 1 line as it is. Decoding validates each group once and each log line by hand,
// and gives back the records and the same batch as version 1 lines (what the journal stores).
// The collector's encoder is wire-v2-encoder.ts, apart so that a collector never loads typebox.
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { ByteLog } from './byte-log.ts';
import { hasControlByte } from './byte-scan.ts';
import { baseFields, ContainerRef, NodeRef, Timestamp, validateRecord } from './schema/index.ts';
import type { LogRecord, WireRecord } from './schema/index.ts';

/**
 * `{"group":g,"node":…,"container":…,"stream":…,"origin":{"source":…,"file":…}}` defines group g
 * (0, 1, … in order); `[g,id,time,offset,message]` or `[g,id,time,offset,message,extras]` is a log
 * record of that group, extras holding what LogRecord has beyond those (truncated, originalLength,
 * multiline, flags, json). A line that is a JSON object with `kind` is a version 1 record.
 */
const Group = Type.Object(
  {
    group: Type.Integer({ minimum: 0 }),
    node: NodeRef,
    container: ContainerRef,
    stream: Type.Union([Type.Literal('stdout'), Type.Literal('stderr')]),
    origin: Type.Object({ source: Type.String({ maxLength: 64 }), file: Type.String({ maxLength: 4096 }) }),
  },
  { additionalProperties: false },
);
export type Group = Type.Static<typeof Group>;

const Extras = Type.Object(
  {
    truncated: Type.Optional(Type.Boolean()),
    originalLength: Type.Optional(Type.Integer({ minimum: 0 })),
    json: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    multiline: Type.Optional(Type.Object({ lines: Type.Integer({ minimum: 1 }) })),
    flags: Type.Optional(Type.Array(Type.Literal('partial_lost'), { maxItems: 1 })),
  },
  { additionalProperties: false },
);
export type Extras = Type.Static<typeof Extras>;

const checkGroup = Compile(Group);
const checkExtras = Compile(Extras);

/** The schema's own id and Timestamp (common/schema/base.ts), checked per line. */
const checkId = Compile(baseFields.id);
const checkTime = Compile(Timestamp);

export type FileLog = LogRecord & { origin: { file: string; offset: number } };

/** A group as decoding holds it: its parts of a version 1 line, serialised once. */
type Held = Group & { head: Buffer; tail: Buffer };

/**
 * A batch's log messages as the JSON text they came as: record i's is bytes [start, end) of `bytes`
 * when its line carried it so (a log line without extras), so that a writer of JSON copies it as it
 * is rather than serialise the string again.
 */
export type MessageTexts = { bytes: Buffer; span(i: number): { start: number; end: number } | undefined };

export type DecodedV2 = { records: WireRecord[]; v1: () => Buffer; messages: MessageTexts } | { reason: string };

/** Buffer's own codecs, without toString's and write's argument handling (per line, it showed). */
type Slices = {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number): number;
};

/** Per record, where its version 1 line comes from: a line of the batch as it is, or a log line's parts. */
type Source =
  { start: number; end: number; grp?: undefined } | { grp: Held; extras?: Extras; start: number; end: number };

/**
 * Parses and validates a version 2 batch (valid UTF-8); a reason names the line (1-based) and
 * field. `v1` gives the batch as version 1 lines (newline-terminated), built on demand from the
 * lines' bytes: a log line's message is copied as the JSON text it came as, never re-serialised.
 * `checkLine` may refuse a line before it is parsed (the ingest route's nesting bound). With
 * `messagesAsBytes`, a plain log line's record is a ByteLog, its message read from `bytes` only
 * when asked for (byte-log.ts): for a caller that writes messages from their bytes.
 */
export function decodeLinesV2(
  bytes: Buffer,
  opts: { checkLine?: (line: string) => string | undefined; messagesAsBytes?: boolean } = {},
): DecodedV2 {
  const { checkLine, messagesAsBytes = false } = opts;
  const records: WireRecord[] = [];
  const sources: Source[] = [];
  const groups: Held[] = [];
  const backslashes = new NextByte(bytes, BACKSLASH);
  let start = 0;
  for (let n = 1; start < bytes.length; n++) {
    let nl = bytes.indexOf(10, start);
    if (nl === -1) nl = bytes.length;
    const lineStart = start;
    start = nl + 1;
    const plain = plainLogLine(bytes, lineStart, nl, groups, backslashes, sources, messagesAsBytes);
    if (plain) {
      records.push(plain);
      continue;
    }
    const line = (bytes as unknown as Slices).utf8Slice(lineStart, nl);
    if (line.length === 0 || line.trim() === '') continue;
    const refused = checkLine?.(line);
    if (refused) return { reason: `line ${n}: ${refused}` };
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      return { reason: `line ${n}: not JSON (${(err as Error).message})` };
    }
    if (Array.isArray(value)) {
      const r = logLine(value, groups);
      if (typeof r === 'string') return { reason: `line ${n}: log line: ${r}` };
      records.push(r.record);
      if (r.extras) sources.push({ grp: r.grp, extras: r.extras, start: 0, end: 0 });
      else sources.push(messageBytes(bytes, lineStart, nl, r.grp));
    } else if (value !== null && typeof value === 'object' && !('kind' in value)) {
      if (!checkGroup.Check(value)) {
        const first = checkGroup.Errors(value)[0];
        return { reason: `line ${n}: group: ${first ? `${first.instancePath || '/'} ${first.message}` : 'invalid'}` };
      }
      if (value.group !== groups.length)
        return {
          reason: `line ${n}: group: /group is ${value.group}, expected ${groups.length} (groups are numbered in order)`,
        };
      groups.push(held(value));
    } else {
      const v = validateRecord(value);
      if (!v.ok) return { reason: `line ${n}: ${v.reason}` };
      records.push(v.record);
      sources.push({ start: lineStart, end: nl });
    }
  }
  if (records.length === 0) return { reason: 'empty batch: no records' };
  return {
    records,
    v1: () => v1Lines(bytes, records, sources),
    messages: { bytes, span: (i) => (sources[i]?.grp && !sources[i].extras ? sources[i] : undefined) },
  };
}

function held(g: Group): Held {
  // The field order of a collector's LogRecord, so that a journal line reads as version 1 did.
  const head = `,"node":${JSON.stringify(g.node)},"container":${JSON.stringify(g.container)},"stream":"${g.stream}","message":`;
  const tail = `,"origin":{"source":${JSON.stringify(g.origin.source)},"file":${JSON.stringify(g.origin.file)},"offset":`;
  return { ...g, head: Buffer.from(head), tail: Buffer.from(tail) };
}

/**
 * Where the message's JSON text is in a valid five-element log line (JSON.stringify of a long
 * message cost more than the rest of the line's handling): the group, id, time and offset before
 * it hold no comma (numbers, and strings whose patterns exclude one), so it follows the fourth.
 */
function messageBytes(bytes: Buffer, start: number, end: number, grp: Held): Source {
  let at = start - 1;
  for (let i = 0; i < 4; i++) at = bytes.indexOf(0x2c, at + 1);
  let close = end - 1;
  while (bytes[close] !== 0x5d) close--;
  return { grp, start: at + 1, end: close };
}

/** Version 1 lines written straight into one buffer: group parts and message bytes copied, the rest short ASCII. */
function v1Lines(bytes: Buffer, records: readonly WireRecord[], sources: readonly Source[]): Buffer {
  let size = 0;
  const extra: (Buffer | undefined)[] = [];
  for (let i = 0; i < records.length; i++) {
    const s = sources[i]!;
    size += s.end - s.start + 1;
    if (!s.grp) continue;
    // id and time matched patterns without characters JSON escapes: quoting them is all they need.
    const r = records[i] as FileLog;
    size += 60 + r.id.length + r.time.length + s.grp.head.length + s.grp.tail.length;
    if (s.extras) {
      // An empty extras object ({}) is allowed and adds nothing.
      const more = JSON.stringify(s.extras).slice(1);
      const e = Buffer.from(
        `${JSON.stringify(r.message)}${s.grp.tail}${r.origin.offset}}${more === '}' ? '}' : `,${more}`}\n`,
      );
      extra[i] = e;
      size += e.length;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  for (let i = 0; i < records.length; i++) {
    const s = sources[i]!;
    if (!s.grp) {
      off += bytes.copy(out, off, s.start, s.end);
      out[off++] = 10;
      continue;
    }
    const r = records[i] as FileLog;
    off += (out as unknown as Slices).latin1Write(`{"kind":"log","id":"${r.id}","time":"${r.time}"`, off);
    out.set(s.grp.head, off);
    off += s.grp.head.length;
    const e = extra[i];
    if (e) {
      off += e.copy(out, off);
      continue;
    }
    off += bytes.copy(out, off, s.start, s.end);
    out.set(s.grp.tail, off);
    off += s.grp.tail.length;
    off += (out as unknown as Slices).latin1Write(`${r.origin.offset}}}\n`, off);
  }
  return out.subarray(0, off);
}

function logLine(a: unknown[], groups: readonly Held[]): string | { record: LogRecord; grp: Held; extras?: Extras } {
  if (a.length !== 5 && a.length !== 6) return `has ${a.length} elements, expected 5 or 6`;
  const [g, id, time, offset, message, extras] = a;
  if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g >= groups.length)
    return `/0 group ${JSON.stringify(g)} is not defined by an earlier line`;
  if (typeof id !== 'string' || !checkId.Check(id)) return '/1 id must be 8 to 128 characters of A-Z a-z 0-9 _ -';
  if (typeof time !== 'string' || !checkTime.Check(time)) return '/2 time must be an RFC 3339 timestamp';
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) return '/3 offset must be an integer ≥ 0';
  if (typeof message !== 'string') return '/4 message must be a string';
  if (a.length === 6 && !checkExtras.Check(extras)) {
    const first = checkExtras.Errors(extras)[0];
    return `/5${first?.instancePath ?? ''} ${first?.message ?? 'invalid extras'}`;
  }
  const grp = groups[g]!;
  const record = logRecord(grp, id, time, offset, message);
  if (a.length === 5) return { record, grp };
  const e = extras as Extras;
  if (e.truncated !== undefined) record.truncated = e.truncated;
  if (e.originalLength !== undefined) record.originalLength = e.originalLength;
  if (e.json) record.json = e.json;
  if (e.multiline) record.multiline = e.multiline;
  if (e.flags) record.flags = e.flags;
  return { record, grp, extras: e };
}

function logRecord(grp: Held, id: string, time: string, offset: number, message: string): LogRecord {
  return {
    kind: 'log',
    id,
    time,
    node: grp.node,
    container: grp.container,
    stream: grp.stream,
    message,
    origin: { source: grp.origin.source, file: grp.origin.file, offset },
  };
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Where a byte next occurs in a buffer, found once for many questions with non-decreasing starts
 * (an unbounded indexOf per line would search on through the rest of the batch each time).
 */
class NextByte {
  private readonly b: Buffer;
  private readonly byte: number;
  /** Position of the byte last found; b.length for none after where it was looked for. */
  private at = -1;
  constructor(b: Buffer, byte: number) {
    this.b = b;
    this.byte = byte;
  }
  /** Whether the byte occurs in [start, end). */
  within(start: number, end: number): boolean {
    if (this.at < start) {
      const i = this.b.indexOf(this.byte, start);
      this.at = i < 0 ? this.b.length : i;
    }
    return this.at < end;
  }
}

/** Where the last number uintAt read ends (a second result without an object per call). */
let uintEnd = 0;

/** A JSON integer at i as JSON.parse reads it (digits, no leading zero, at most 15 of them), or -1. */
function uintAt(b: Buffer, i: number): number {
  let n = 0;
  let j = i;
  for (; j < b.length && j - i <= 15; j++) {
    const d = b[j]! - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (j === i || j - i > 15 || (b[i] === 0x30 && j - i > 1)) return -1;
  uintEnd = j;
  return n;
}

/** True for the bytes of an id: A-Z a-z 0-9 _ - (baseFields.id's pattern). */
function isIdByte(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d;
}

/**
 * A five-element log line as the collector writes it, `[g,"id","time",offset,"message"]` with
 * nothing to unescape in the message, read from its bytes (JSON.parse of each line, with the id's
 * and time's checks, was 40 % of the decoder's time at 100 B lines). Anything else (spaces, an
 * escape, extras, a value out of bounds) gives undefined: JSON.parse reads the line then, or
 * refuses it with its reason. What this accepts, JSON.parse reads to the same values. The record
 * is given back (with `asBytes`, its message left in the batch's bytes) and where its message's
 * JSON text lies pushed onto `sources`.
 */
function plainLogLine(
  b: Buffer,
  start: number,
  end: number,
  groups: readonly Held[],
  backslashes: NextByte,
  sources: Source[],
  asBytes: boolean,
): LogRecord | undefined {
  if (b[start] !== 0x5b || b[end - 1] !== 0x5d || b[end - 2] !== QUOTE) return undefined;
  const g = uintAt(b, start + 1);
  if (g < 0 || g >= groups.length || b[uintEnd] !== COMMA || b[uintEnd + 1] !== QUOTE) return undefined;
  const idStart = uintEnd + 2;
  let i = idStart;
  while (i < end && isIdByte(b[i]!)) i++;
  const idEnd = i;
  if (idEnd - idStart < 8 || idEnd - idStart > 128 || b[i] !== QUOTE || b[i + 1] !== COMMA || b[i + 2] !== QUOTE)
    return undefined;
  const timeStart = i + 3;
  i = b.indexOf(QUOTE, timeStart);
  if (i < 0 || i > end - 2 || i - timeStart > 35 || b[i + 1] !== COMMA) return undefined;
  const timeEnd = i;
  const offset = uintAt(b, i + 2);
  if (offset < 0 || b[uintEnd] !== COMMA || b[uintEnd + 1] !== QUOTE) return undefined;
  const messageStart = uintEnd + 2;
  const messageEnd = end - 2;
  // Nothing JSON would unescape or refuse: no quote before the closing one, no backslash, no control byte.
  if (
    messageEnd < messageStart ||
    b.indexOf(QUOTE, messageStart) !== messageEnd ||
    backslashes.within(messageStart, messageEnd) ||
    hasControlByte(b, messageStart, messageEnd)
  )
    return undefined;
  const slices = b as unknown as Slices;
  const time = slices.latin1Slice(timeStart, timeEnd);
  if (!checkTime.Check(time)) return undefined;
  const grp = groups[g]!;
  const id = slices.latin1Slice(idStart, idEnd);
  sources.push({ grp, start: messageStart - 1, end: messageEnd + 1 });
  return asBytes
    ? new ByteLog(grp, id, time, offset, b, messageStart, messageEnd)
    : logRecord(grp, id, time, offset, slices.utf8Slice(messageStart, messageEnd));
}

/** A version 2 batch's lines as version 1 lines, for an aggregator that predates version 2; throws if they do not decode. */
export function linesV2ToV1(lines: Buffer): Buffer {
  const decoded = decodeLinesV2(lines);
  if ('reason' in decoded) throw new Error(`queued batch does not decode: ${decoded.reason}`);
  return decoded.v1();
}
