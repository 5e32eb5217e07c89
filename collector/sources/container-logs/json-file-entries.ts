// Splits bytes of a json-file log into entries ({log, stream, time} per line) with the byte offset
// of each. The engine writes whole entries, so only a line without its newline is left for later.
import type { Piece } from './message-assembler.ts';

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
  const stream = e.stream === 'stderr' ? 'stderr' : 'stdout';
  return { stream, text: e.log, time: e.time, partial: !e.log.endsWith('\n'), file, offset };
}

const HEAD = Buffer.from('{"log":"');
const STREAM = Buffer.from(',"stream":"std');
const TIME = Buffer.from('","time":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The engine's own layout, `{"log":"…","stream":"stdout|stderr","time":"…"}`, read in place: the
 * log text is sliced out of the buffer, decoded by JSON.parse only when it holds an escape other
 * than its final `\n` (a generic JSON.parse of every entry was the collector's largest cost after
 * the batch encoding). Anything else (attrs, another field order) returns undefined and goes
 * through parseEntry.
 */
function fastEntry(buf: Buffer, pos: number, nl: number, file: string, offset: number): Piece | undefined {
  if (nl - pos < HEAD.length || buf.compare(HEAD, 0, HEAD.length, pos, pos + HEAD.length) !== 0) return undefined;
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
  if (at + STREAM.length + 3 + TIME.length > nl) return undefined;
  if (buf.compare(STREAM, 0, STREAM.length, at, at + STREAM.length) !== 0) return undefined;
  at += STREAM.length;
  const o = buf[at];
  const e = buf[at + 1];
  const stream = o === 0x6f && e === 0x75 ? 'stdout' : o === 0x65 && e === 0x72 ? 'stderr' : undefined;
  if (!stream || buf[at + 2] !== 0x74) return undefined;
  at += 3;
  if (buf.compare(TIME, 0, TIME.length, at, at + TIME.length) !== 0) return undefined;
  at += TIME.length;
  const timeEnd = nl - 2;
  if (buf[timeEnd] !== QUOTE || buf[nl - 1] !== 0x7d || timeEnd <= at || buf.indexOf(QUOTE, at) !== timeEnd)
    return undefined;
  const slash = buf.indexOf(BACKSLASH, at);
  if (slash !== -1 && slash < timeEnd) return undefined;
  const time = buf.toString('utf8', at, timeEnd);
  // Only a final `\n` escaped: the text is the bytes as they are, plus that newline.
  const firstEscape = buf.indexOf(BACKSLASH, start);
  const newline = end - start >= 2 && buf[end - 2] === BACKSLASH && buf[end - 1] === 0x6e;
  let text: string;
  if (firstEscape === -1 || firstEscape >= end) text = buf.toString('utf8', start, end);
  else if (newline && firstEscape === end - 2) text = buf.toString('utf8', start, end - 2) + '\n';
  else {
    try {
      text = JSON.parse(buf.toString('utf8', start - 1, end + 1)) as string;
    } catch {
      return undefined;
    }
  }
  return { stream, text, time, partial: !text.endsWith('\n'), file, offset };
}
