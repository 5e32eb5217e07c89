// Which log records have a message holding no character JSON escapes (`"`, `\`, control
// characters, lone surrogates), known from the bytes it was read from: the collector's json-file
// reader (no escape in the line but its final newline's) and the aggregator's batch decoder (none in
// the message's JSON text). Whoever serialises the message then quotes it as it is: JSON.stringify
// of a 2 KiB message cost ~4 µs, a tenth of the collector's time per line. Kept beside the records
// (weakly), not on them, so that a record is the same object it always was.
import type { LogRecord } from './schema/index.ts';

const escapeFree = new WeakSet<LogRecord>();

export function markEscapeFree(r: LogRecord): void {
  escapeFree.add(r);
}

export function isEscapeFree(r: LogRecord): boolean {
  return escapeFree.has(r);
}

/** The message's JSON text. */
export function messageJson(r: LogRecord): string {
  return escapeFree.has(r) ? `"${r.message}"` : JSON.stringify(r.message);
}
