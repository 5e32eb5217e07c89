// Series declared as a table (one row per metric name) and rendered at scrape time straight from
// live state: each row is a registry entry whose get() builds its values directly, so a scrape
// pays no per-series label hashing (prom-client's set()/inc() path) and gone items simply vanish.
import type { Metric, Registry } from 'prom-client';

export type Sample = { labels?: Record<string, string>; value: number };

export type TableRow<T> = {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** One number (labelled with the item's labels), several labelled samples, or nothing. */
  value: (item: T) => number | undefined | Sample[];
};

export type Labelled<T> = { item: T; labels: Record<string, string> };

type Values = Array<{ labels: Record<string, string>; value: number }>;

export function registerTable<T>(registry: Registry, rows: readonly TableRow<T>[], items: () => Labelled<T>[]): void {
  // Every row's get() runs in the same synchronous stretch of one scrape: list the items once.
  let cached: Labelled<T>[] | undefined;
  const current = () => {
    if (!cached) {
      cached = items();
      setImmediate(() => (cached = undefined));
    }
    return cached;
  };
  for (const row of rows) {
    const get = () => {
      const values: Values = [];
      for (const { item, labels } of current()) {
        const v = row.value(item);
        if (v === undefined) continue;
        if (typeof v === 'number') values.push({ labels, value: v });
        else for (const s of v) values.push({ labels: s.labels ? { ...labels, ...s.labels } : labels, value: s.value });
      }
      return { name: row.name, help: row.help, type: row.type, values, aggregator: 'sum' as const };
    };
    // The registry only calls get() (and reset() on resetMetrics); it types entries as its own classes.
    registry.registerMetric({
      name: row.name,
      help: row.help,
      type: row.type,
      get,
      reset: () => undefined,
    } as unknown as Metric);
  }
}
