// Deterministic record ids: the same origin always gives the same id, so a record shipped twice
// is recognisably the same record and Elasticsearch's create-by-id makes the retry a no-op.
import { hash } from 'node:crypto';
import { writeDecimal } from './byte-writer.ts';

const SEPARATOR = '\u001f';

/** 27 base64url characters of SHA-256 over the origin's parts (160 bits: collisions are not a concern). */
export function recordId(...origin: Array<string | number>): string {
  return recordIdOf(origin.join(SEPARATOR));
}

/** The id of origin parts already joined by SEPARATOR (as a string, or as its UTF-8 bytes). */
function recordIdOf(joined: string | Uint8Array): string {
  // The one-shot hash: half the cost of a Hash object per record on the log path.
  return hash('sha256', joined, 'base64url').slice(0, 27);
}

/**
 * How a file's log lines are named (README "Record ids"). 'ordered': the prefix's hash once, then
 * the offset in order-preserving base64: no hash per line (SHA-256 was 13 % of the collector's main
 * thread at 100 B lines). 'sha256': recordId(...prefix, offset), what collectors before it gave every
 * line, kept for files such a collector had read, so a line it shipped and this one reads again gets
 * the id it was indexed under.
 */
export type IdScheme = 'ordered' | 'sha256';

/** base64url's characters in byte order, so that a larger offset gives a larger id within a file. */
const ORDERED_DIGITS = Buffer.from('-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz', 'latin1');
/**
 * Characters of the prefix's hash in an ordered id (108 bits: two of 10^9 files share one with a
 * chance of ~10^-15); the other 9 hold any safe integer (< 64^9).
 */
const HEAD_CHARS = 18;
const ID_CHARS = HEAD_CHARS + 9;

/** Buffer's own codec, without toString's argument handling (per line, it shows). */
type Latin1 = { latin1Slice(start: number, end: number): string };

/** Ids of many records of one origin prefix and a number each (a file's log lines by offset). */
export type PrefixedIds = { of(n: number): string };

export function prefixedIds(prefix: ReadonlyArray<string | number>, scheme: IdScheme): PrefixedIds {
  const joined = [...prefix, ''].join(SEPARATOR);
  return scheme === 'ordered' ? new OrderedIds(joined) : new Sha256Ids(joined);
}

/** The prefix's hash written once into the id; each number's base64 digits after it. */
class OrderedIds implements PrefixedIds {
  private readonly prefix: string;
  private readonly buf = Buffer.alloc(ID_CHARS);

  constructor(joined: string) {
    this.prefix = joined;
    this.buf.write(recordIdOf(joined).slice(0, HEAD_CHARS), 'latin1');
  }

  of(n: number): string {
    if (!Number.isSafeInteger(n) || n < 0) return recordIdOf(this.prefix + n);
    const buf = this.buf;
    for (let i = ID_CHARS - 1, x = n; i >= HEAD_CHARS; i--, x = Math.floor(x / 64)) buf[i] = ORDERED_DIGITS[x % 64]!;
    return (buf as unknown as Latin1).latin1Slice(0, ID_CHARS);
  }
}

/**
 * recordId(...prefix, n): the prefix's bytes encoded once and each number's digits written after
 * them (the joined string per line was a sixth of what the collector allocated per 100 B line).
 */
class Sha256Ids implements PrefixedIds {
  private readonly prefix: string;
  private readonly buf: Buffer;
  private readonly base: number;
  /** Views of the prefix and i digits, made once per length. */
  private readonly views: Uint8Array[] = [];

  constructor(joined: string) {
    this.prefix = joined;
    const bytes = Buffer.from(joined);
    this.base = bytes.length;
    this.buf = Buffer.alloc(this.base + 16); // the digits of any safe integer
    bytes.copy(this.buf);
  }

  of(n: number): string {
    if (!Number.isSafeInteger(n) || n < 0) return recordIdOf(this.prefix + n);
    const digits = writeDecimal(this.buf, this.base, n) - this.base;
    const view = (this.views[digits] ??= this.buf.subarray(0, this.base + digits));
    return recordIdOf(view);
  }
}
