// Series declared as a table (one row per metric name) and rendered at scrape time straight into
// exposition text from the state held: every item carries its label string, built once when its
// record arrived, so a scrape only formats numbers. Gone items simply vanish. Rendering lives here;
// which rows exist lives in the *-metrics.ts tables.

export type Sample = { labels?: Record<string, string>; value: number };

export type TableRow<T> = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** One number (labelled with the item's labels), several labelled samples, or nothing. */
  value: (item: T) => number | undefined | Sample[];
};

/** An item and its labels as exposition text (`a="x",b="y"`), built when its record arrived. */
export type Labelled<T> = { item: T; labels: string };

/** A table of rows and, per node, the items it renders (a node's containers, its host record, …). */
export type Table<T, N> = { rows: readonly TableRow<T>[]; itemsOf: (node: N) => Iterable<Labelled<T>> };

/** Rendered text is handed on in pieces of about this many characters. */
export const CHUNK_CHARS = 256 * 1024;

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

/**
 * The rows' text over the items, row by row (a family's samples must be contiguous); a row with no
 * sample writes no HELP/TYPE either, so a per-node scrape carries only its own families.
 */
export function* renderRows<T>(rows: readonly TableRow<T>[], items: readonly Labelled<T>[]): Generator<string> {
  let out = '';
  for (const row of rows) {
    let started = false;
    for (const { item, labels } of items) {
      const v = row.value(item);
      if (v === undefined) continue;
      if (!started) {
        out += `# HELP ${row.name} ${row.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${row.name} ${row.type}\n`;
        started = true;
      }
      if (typeof v === 'number') out += `${row.name}{${labels}} ${formatValue(v)}\n`;
      else
        for (const s of v)
          out += `${row.name}{${s.labels ? joinLabels(labels, s.labels) : labels}} ${formatValue(s.value)}\n`;
      if (out.length >= CHUNK_CHARS) {
        yield out;
        out = '';
      }
    }
  }
  if (out) yield out;
}
