// Splits bytes of a json-file log into entries ({log, stream, time} per line) with the byte offset
// of each. The engine writes whole entries, so only a line without its newline is left for later.
import { hasControlByte } from '../../../common/byte-scan.ts';
import type { Piece, Stream } from './message-assembler.ts';

type RawEntry = { log?: unknown; stream?: unknown; time?: unknown };

export type ScanResult = {
  /** Bytes consumed: everything up to and including the last newline. */
  consumed: number;
  /** Lines that were not a json-file entry (counted, skipped). */
  bad: number;
};

/**
 * Parses buf[0..len) whose first byte is at file offset `base`; calls `onPiece` per entry.
 * Invalid UTF-8 never reaches us: the engine's JSON encoder already replaced it with U+FFFD.
 */
export function scanEntries(
  buf: Buffer,
  len: number,
  base: number,
  file: string,
  onPiece: (p: Piece) => void,
): ScanResult {
  let pos = 0;
  let bad = 0;
  for (;;) {
    const nl = buf.indexOf(10, pos);
    if (nl === -1 || nl >= len) break;
    const piece =
      fastEntry(buf, pos, nl, file, base + pos) ?? parseEntry(buf.toString('utf8', pos, nl), file, base + pos);
    if (piece) onPiece(piece);
    else if (nl > pos) bad++;
    pos = nl + 1;
  }
  return { consumed: pos, bad };
}

export function parseEntry(line: string, file: string, offset: number): Piece | undefined {
  let e: RawEntry;
  try {
    e = JSON.parse(line) as RawEntry;
  } catch {
    return undefined;
  }
  if (typeof e !== 'object' || e === null || typeof e.log !== 'string' || typeof e.time !== 'string') return undefined;
  return piece(e.stream === 'stderr' ? 'stderr' : 'stdout', e.log, e.time, file, offset);
}

/** An entry's piece: a whole line's text without its newline (the message does not hold it). */
function piece(stream: Stream, log: string, time: string, file: string, offset: number, escapes?: true): Piece {
  const partial = !log.endsWith('\n');
  const p: Piece = { stream, text: partial ? log : log.slice(0, -1), time, partial, file, offset };
  if (escapes) p.escapeFree = false;
  return p;
}

const HEAD = Buffer.from('{"log":"');
const STREAM = Buffer.from(',"stream":"std');
const TIME = Buffer.from('","time":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Buffer's own decoders, without toString's argument handling (a tenth of the scan's time). */
type Slices = { utf8Slice(start: number, end: number): string; latin1Slice(start: number, end: number): string };

/** True when buf holds `want` at `at` (a byte loop: Buffer.compare's call cost more than the bytes). */
function bytesAt(buf: Buffer, at: number, want: Buffer): boolean {
  for (let i = 0; i < want.length; i++) if (buf[at + i] !== want[i]) return false;
  return true;
}

/**
 * The engine's own layout, `{"log":"…","stream":"stdout|stderr","time":"…"}`, read in place: the
 * log text is decoded straight from the buffer, through JSON.parse only when it holds an escape
 * other than its final `\n` (a generic JSON.parse of every entry was the collector's largest cost
 * after the batch encoding). Anything else (attrs, another field order) returns undefined and goes
 * through parseEntry.
 */
function fastEntry(buf: Buffer, pos: number, nl: number, file: string, offset: number): Piece | undefined {
  if (nl - pos < HEAD.length || !bytesAt(buf, pos, HEAD)) return undefined;
  const start = pos + HEAD.length;
  // The closing quote of the log string: the first one not escaped by an odd run of backslashes.
  let end = buf.indexOf(QUOTE, start);
  for (;;) {
    if (end === -1 || end >= nl) return undefined;
    let backslashes = 0;
    while (buf[end - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) break;
    end = buf.indexOf(QUOTE, end + 1);
  }
  let at = end + 1;
  if (at + STREAM.length + 3 + TIME.length > nl || !bytesAt(buf, at, STREAM)) return undefined;
  at += STREAM.length;
  const o = buf[at];
  const e = buf[at + 1];
  const t = buf[at + 2];
  const stream =
    o === 0x6f && e === 0x75 && t === 0x74 ? 'stdout' : o === 0x65 && e === 0x72 && t === 0x72 ? 'stderr' : undefined;
  if (!stream) return undefined;
  at += 3;
  if (!bytesAt(buf, at, TIME)) return undefined;
  at += TIME.length;
  const timeEnd = nl - 2;
  if (timeEnd <= at || buf[timeEnd] !== QUOTE || buf[nl - 1] !== 0x7d) return undefined;
  // Printable ASCII without quotes or escapes, so that latin1 decodes it as JSON.parse would (and a
  // raw control byte, invalid JSON, goes to JSON.parse to be refused), and it needs no escaping.
  for (let i = at; i < timeEnd; i++) {
    const c = buf[i]!;
    if (c === QUOTE || c === BACKSLASH || c >= 0x80 || c < 0x20) return undefined;
  }
  const time = (buf as unknown as Slices).latin1Slice(at, timeEnd);
  const len = end - start;
  const newline = len >= 2 && buf[end - 2] === BACKSLASH && buf[end - 1] === 0x6e;
  // (A search bounded by the newline's own backslash; without one, by the text's end.)
  if (newline && buf.indexOf(BACKSLASH, start) === end - 2) {
    // Only the final `\n` escaped: the line's text is the bytes before it, decoded as they are.
    const text = (buf as unknown as Slices).utf8Slice(start, end - 2);
    return { stream, text, time, partial: false, file, offset, escapeFree: !hasControlByte(buf, start, end - 2) };
  }
  if (!newline && buf.subarray(start, end).indexOf(BACKSLASH) === -1) {
    const text = (buf as unknown as Slices).utf8Slice(start, end);
    return { stream, text, time, partial: true, file, offset, escapeFree: !hasControlByte(buf, start, end) };
  }
  let log: string;
  try {
    log = JSON.parse(buf.toString('utf8', start - 1, end + 1)) as string;
  } catch {
    return undefined;
  }
  return piece(stream, log, time, file, offset, true);
}
