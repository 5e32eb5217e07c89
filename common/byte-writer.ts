// A growing output buffer that strings are written into as UTF-8, so that a batch or a request
// body is one buffer, never one string of the whole (the batch encoder's and the bulk body's).
/**
 * What JSON.stringify escapes in a string: control characters, the quote, the backslash and lone
 * surrogates (here any surrogate: a pair goes the slow way, written the same).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** Writes the digits of a non-negative safe integer at `at`; gives the offset after them. */
export function writeDecimal(buf: Uint8Array, at: number, n: number): number {
  if (n <= 0x7fffffff) {
    // In 32-bit integer arithmetic: a byte offset and a group number per line, 2.5x as fast as
    // Math.floor and % on doubles (~40 against ~100 ns for the two).
    let end = at + 1;
    for (let x = n; x >= 10; x = (x / 10) | 0) end++;
    for (let i = end - 1, x = n; i >= at; i--) {
      const q = (x / 10) | 0;
      buf[i] = 0x30 + x - q * 10;
      x = q;
    }
    return end;
  }
  let end = at + 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) end++;
  for (let i = end - 1, x = n; i >= at; i--, x = Math.floor(x / 10)) buf[i] = 0x30 + (x % 10);
  return end;
}

export class ByteWriter {
  buf: Buffer;
  off = 0;
  /** A new buffer of `size` bytes, or one given (a pooled one) to write from its start. */
  constructor(size: number | Buffer) {
    this.buf = typeof size === 'number' ? Buffer.allocUnsafe(size) : size;
  }
  text(s: string): void {
    this.room(s.length * 3);
    this.off += this.buf.write(s, this.off);
  }
  /** s known to be ASCII (numbers, pattern-checked ids and times): no UTF-8 encoding to do. */
  ascii(s: string): void {
    this.room(s.length);
    this.off += (this.buf as unknown as { latin1Write(s: string, offset: number): number }).latin1Write(s, this.off);
  }
  /** s known to be ASCII, between double quotes (no string made for the quoted text). */
  asciiQuoted(s: string): void {
    this.byte(0x22);
    this.ascii(s);
    this.byte(0x22);
  }
  /** Bytes made once and written many times (a template's parts). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }
  /** Bytes [start, end) of b, without a view of them made first. */
  range(b: Buffer, start: number, end: number): void {
    this.room(end - start);
    this.off += b.copy(this.buf, this.off, start, end);
  }
  byte(c: number): void {
    this.room(1);
    this.buf[this.off++] = c;
  }
  /** A number as JSON writes it; a non-negative integer's digits without a string made for them. */
  number(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) return this.ascii(JSON.stringify(n));
    this.room(16);
    this.off = writeDecimal(this.buf, this.off, n);
  }
  /**
   * s as a JSON string: as it is between quotes when it holds nothing JSON escapes (no string made),
   * which `escapeFree` says is known already.
   */
  json(s: string, escapeFree = false): void {
    if (!escapeFree && NEEDS_ESCAPE.test(s)) this.text(JSON.stringify(s));
    else this.quoted(s);
  }
  /** s between double quotes, as it is. */
  quoted(s: string): void {
    this.room(s.length * 3 + 2);
    this.buf[this.off++] = 0x22;
    this.off += this.buf.write(s, this.off);
    this.buf[this.off++] = 0x22;
  }
  /** What was written. */
  written(): Buffer {
    return this.buf.subarray(0, this.off);
  }
  private room(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(grown, 0, 0, this.off);
    this.buf = grown;
  }
}
