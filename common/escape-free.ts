// Which log record holds no character JSON escapes (`"`, `\`, control characters, lone
// surrogates) in its id, time and message, known where it was made: the collector's json-file
// reader (no escape in the line but its final newline's, no raw control byte) and its record
// builder (ids of its own alphabet). The batch encoder then quotes the three as they are: a regular
// expression per string was 6–7 % of the collector's main thread at 100 B lines.
//
// One slot, not a set: the collector encodes each file record into its batch as soon as it is
// built, so the mark is the last record built. Any other record is checked string by string as
// before (a WeakSet's add and look-up cost ~300 ns a record, more than the checks they saved).
import type { LogRecord } from './schema/index.ts';

let lastMarked: LogRecord | undefined;

/** r's id, time and message need no escaping; holds until the next record is marked. */
export function markEscapeFree(r: LogRecord): void {
  lastMarked = r;
}

export function isEscapeFree(r: LogRecord): boolean {
  return r === lastMarked;
}
