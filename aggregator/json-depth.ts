// How deep a JSON text nests, found by a scan that skips over strings: a batch line nested past
// any record's depth is refused before it is parsed and validated (~50 ms for one 100k-deep line).
/** Levels a valid record needs are under ten; this leaves room without letting parsing cost explode. */
export const MAX_RECORD_DEPTH = 32;

/** True when `text` opens more than `max` arrays or objects at once (outside strings). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Jump to the quote that closes this string: one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        if (i < 0) return false;
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
