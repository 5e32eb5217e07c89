// Series declared as a table (one row per metric name) and rendered at scrape time straight into
// exposition bytes from the state held: every item carries its label string, built once when its
// record arrived and encoded once when first rendered, so a scrape copies bytes and formats numbers.
// Gone items simply vanish. Rendering lives here; which rows exist lives in the *-metrics.ts tables.

export type Sample = { labels?: Record<string, string>; value: number };

export type TableRow<T> = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** One number (labelled with the item's labels), several labelled samples, or nothing. */
  value: (item: T) => number | undefined | Sample[];
};

/**
 * An item and its labels as exposition text (`a="x",b="y"`), built when its record arrived; `bytes`
 * is `{labels` encoded, filled by the first render and kept while the labels stay the same.
 */
export type Labelled<T> = { item: T; labels: string; bytes?: Buffer };

/** A table of rows and, per node, the items it renders (a node's containers, its host record, …). */
export type Table<T, N> = { rows: readonly TableRow<T>[]; itemsOf: (node: N) => Iterable<Labelled<T>> };

/** Rendered text is handed on in pieces of this many bytes (a line longer than that gets a piece of its own). */
export const CHUNK_BYTES = 256 * 1024;

/** A label value as the text format escapes it (backslash, double quote, line feed). */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** Labels as exposition text, in the given order: `a="x",b="y"`. */
export function formatLabels(labels: Record<string, string>): string {
  let out = '';
  for (const k in labels) out += `${out ? ',' : ''}${k}="${escapeLabelValue(labels[k]!)}"`;
  return out;
}

/** Label names an item's own label string may carry: a sample naming one of them overrides it. */
const isItemLabel = (k: string) =>
  k === 'node' ||
  k === 'node_id' ||
  k === 'instance' ||
  k === 'id' ||
  k === 'name' ||
  k === 'image' ||
  k.startsWith('container_label_');

/** Whether a sample's labels name one of the item's own, which the sample's value then replaces. */
function overridesItem(extra: Record<string, string>): boolean {
  for (const k in extra) if (isItemLabel(k)) return true;
  return false;
}

/** The item's labels and a sample's, the sample's winning where both name a label (as prom-client merged them). */
function joinLabels(itemLabels: string, extra: Record<string, string>): string {
  let base = itemLabels;
  for (const k in extra)
    if (isItemLabel(k)) base = base.replace(new RegExp(`(^|,)${k}="(?:[^"\\\\]|\\\\.)*"`), '').replace(/^,/, '');
  const own = formatLabels(extra);
  return base && own ? `${base},${own}` : base || own;
}

export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** One piece of rendered bytes being filled; `reserve` hands over the filled part when the next write would not fit. */
class Piece {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;

  /** The bytes written so far if `need` more would not fit (writing goes on in a fresh piece), else undefined. */
  reserve(need: number): Buffer | undefined {
    if (this.pos + need <= this.buf.length) return undefined;
    const full = this.pos > 0 ? this.buf.subarray(0, this.pos) : undefined;
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, need));
    this.pos = 0;
    return full;
  }

  bytes(b: Buffer): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** `s` as UTF-8: a byte loop while it is ASCII (cheaper than Buffer's write for short text). */
  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos += this.buf.write(s.slice(i), this.pos);
        return;
      }
      this.buf[this.pos++] = c;
    }
  }

  rest(): Buffer | undefined {
    return this.pos > 0 ? this.buf.subarray(0, this.pos) : undefined;
  }
}

/**
 * The rows' text over the items, row by row (a family's samples must be contiguous), as pieces of
 * about CHUNK_BYTES; a row with no sample writes no HELP/TYPE either, so a per-node scrape carries
 * only its own families. Each line copies the name's and the item's label bytes and writes only its
 * value (and a sample's own labels) as text: building each ~650-character line as a string and
 * encoding it took 2.5 s of CPU for 876k series, this takes about a third of that.
 */
export function* renderRows<T>(rows: readonly TableRow<T>[], items: readonly Labelled<T>[]): Generator<Buffer> {
  const piece = new Piece();
  for (const row of rows) {
    const name = Buffer.from(row.name);
    let started = false;
    for (const it of items) {
      const v = row.value(it.item);
      if (v === undefined) continue;
      if (!started) {
        const header = `# HELP ${row.name} ${row.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${row.name} ${row.type}\n`;
        const full = piece.reserve(header.length * 3);
        if (full) yield full;
        piece.text(header);
        started = true;
      }
      const labels = (it.bytes ??= Buffer.from(`{${it.labels}`));
      if (typeof v === 'number') {
        // Most rows give one number: its line needs no sample object and no line string (the value's
        // text is ASCII, so `} `, value and newline take value.length + 3 bytes).
        const value = formatValue(v);
        const full = piece.reserve(name.length + labels.length + value.length + 3);
        if (full) yield full;
        piece.bytes(name);
        piece.bytes(labels);
        piece.text('} ');
        piece.text(value);
        piece.text('\n');
        continue;
      }
      for (const s of v) {
        if (s.labels && overridesItem(s.labels)) {
          const line = `${row.name}{${joinLabels(it.labels, s.labels)}} ${formatValue(s.value)}\n`;
          const full = piece.reserve(line.length * 3);
          if (full) yield full;
          piece.text(line);
          continue;
        }
        const own = s.labels ? formatLabels(s.labels) : '';
        const tail = `${own ? (it.labels ? ',' : '') + own : ''}} ${formatValue(s.value)}\n`;
        const full = piece.reserve(name.length + labels.length + tail.length * 3);
        if (full) yield full;
        piece.bytes(name);
        piece.bytes(labels);
        piece.text(tail);
      }
    }
  }
  const rest = piece.rest();
  if (rest) yield rest;
}
