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
    const piece = parseEntry(buf.toString('utf8', pos, nl), file, base + pos);
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
