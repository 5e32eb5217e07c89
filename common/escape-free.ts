// Which log records have a message holding no character JSON escapes (`"`, `\`, control
// characters, lone surrogates), known from the bytes it was read from: the collector's json-file
// reader (no escape in the line but its final newline's). The batch encoder then quotes the
// message as it is: JSON.stringify of a 2 KiB message cost ~4 µs, a tenth of the collector's time
// per line. Kept beside the records (weakly), not on them, so that a record is the same object it
// always was.
import type { LogRecord } from './schema/index.ts';

const escapeFree = new WeakSet<LogRecord>();

/**
 * Shorter messages are not marked: the WeakSet's add and look-up (~300 ns a record, and the
 * collector's profile at 100 B lines gave them 5.5 % of its main thread) cost more than
 * JSON.stringify of a message under ~250 characters (~150 ns at 100).
 */
export const ESCAPE_FREE_MIN_CHARS = 256;

/** A message long enough for its mark to pay (its bytes need checking only then). */
function worthMarking(r: LogRecord): boolean {
  return r.message.length >= ESCAPE_FREE_MIN_CHARS;
}

export function markEscapeFree(r: LogRecord): void {
  if (worthMarking(r)) escapeFree.add(r);
}

export function isEscapeFree(r: LogRecord): boolean {
  return worthMarking(r) && escapeFree.has(r);
}
