// A byte test over a span of a buffer four bytes at a time (a byte loop took ~2.3 µs per 2 KiB):
// whether text read from bytes rather than parsed holds a raw control character, which JSON never
// does. Used by the collector's json-file reader and the aggregator's batch decoder.

/** 32-bit words of the last buffer scanned (a read buffer or a batch, for as long as it is the one scanned). */
let lastWords: { buffer: ArrayBufferLike; words: Uint32Array } | undefined;

function wordsOf(buf: Buffer): Uint32Array {
  if (lastWords?.buffer !== buf.buffer)
    lastWords = { buffer: buf.buffer, words: new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2) };
  return lastWords.words;
}

/** Whether buf[start, end) holds a byte below 0x20. */
export function hasControlByte(buf: Buffer, start: number, end: number): boolean {
  const base = buf.byteOffset;
  let i = start;
  // Bytes up to a word boundary, whole words, then the bytes after the last whole word.
  const firstWord = Math.min(end, (((base + start + 3) >>> 2) << 2) - base);
  for (; i < firstWord; i++) if (buf[i]! < 0x20) return true;
  const lastWord = (((base + end) >>> 2) << 2) - base;
  if (lastWord > i) {
    const words = wordsOf(buf);
    for (let k = (base + i) >>> 2, stop = (base + lastWord) >>> 2; k < stop; k++) {
      const x = words[k]!;
      // With every byte at 0x20 or above nothing borrows and no high bit comes out where x has
      // none; the lowest byte below 0x20 wraps to 0xE0 or above. Exact, whatever the bytes.
      if (((x - 0x20202020) & ~x & 0x80808080) !== 0) return true;
    }
    i = lastWord;
  }
  for (; i < end; i++) if (buf[i]! < 0x20) return true;
  return false;
}
