// Batch encoding version 2 (README "Wire contract"), decoded: json-file log records travel as
// compact lines that name a container group (node, container, stream, origin file) defined once per
// batch, so neither side serialises or parses a container's metadata per line; every other record
// is a version 1 line as it is. Decoding validates each group once and each log line by hand,
// and gives back the records and the same batch as version 1 lines (what the journal stores).
// The collector's encoder is wire-v2-encoder.ts, apart so that a collector never loads typebox.
import Type from 'typebox';
import { Compile } from 'typebox/compile';
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
type Slices = { utf8Slice(start: number, end: number): string; latin1Write(s: string, offset: number): number };

/** Per record, where its version 1 line comes from: a line of the batch as it is, or a log line's parts. */
type Source =
  { start: number; end: number; grp?: undefined } | { grp: Held; extras?: Extras; start: number; end: number };

/**
 * Parses and validates a version 2 batch (valid UTF-8); a reason names the line (1-based) and
 * field. `v1` gives the batch as version 1 lines (newline-terminated), built on demand from the
 * lines' bytes: a log line's message is copied as the JSON text it came as, never re-serialised.
 * `checkLine` may refuse a line before it is parsed (the ingest route's nesting bound).
 */
export function decodeLinesV2(bytes: Buffer, checkLine?: (line: string) => string | undefined): DecodedV2 {
  const records: WireRecord[] = [];
  const sources: Source[] = [];
  const groups: Held[] = [];
  let start = 0;
  for (let n = 1; start < bytes.length; n++) {
    let nl = bytes.indexOf(10, start);
    if (nl === -1) nl = bytes.length;
    const lineStart = start;
    start = nl + 1;
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
  const record: LogRecord = {
    kind: 'log',
    id,
    time,
    node: grp.node,
    container: grp.container,
    stream: grp.stream,
    message,
    origin: { source: grp.origin.source, file: grp.origin.file, offset },
  };
  if (a.length === 5) return { record, grp };
  const e = extras as Extras;
  if (e.truncated !== undefined) record.truncated = e.truncated;
  if (e.originalLength !== undefined) record.originalLength = e.originalLength;
  if (e.json) record.json = e.json;
  if (e.multiline) record.multiline = e.multiline;
  if (e.flags) record.flags = e.flags;
  return { record, grp, extras: e };
}

/** A version 2 batch's lines as version 1 lines, for an aggregator that predates version 2; throws if they do not decode. */
export function linesV2ToV1(lines: Buffer): Buffer {
  const decoded = decodeLinesV2(lines);
  if ('reason' in decoded) throw new Error(`queued batch does not decode: ${decoded.reason}`);
  return decoded.v1();
}
