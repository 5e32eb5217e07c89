// The UI's short in-memory history: per container and per node, the last minutes of CPU (cores),
// memory (bytes), network and disk IO (bytes/s), fed by ingest. Bounded twice: each series is a
// ring of maxPoints (older points fall off), and at most maxSeries series exist (a new one past it
// is not kept, and counted). Series not written for the window are forgotten. Not Prometheus: charts only.
import type { ContainerMetricRecord, HostMetricRecord } from '../../common/schema/index.ts';
import type { Column, SeriesData } from './ui-api.ts';

/** At the series bound, stale series are looked for at most this often, not at every refused record. */
const SWEEP_AT_BOUND_EVERY_MS = 1000;

export const COLUMNS = ['cpu', 'mem', 'netRx', 'netTx', 'ioRead', 'ioWrite'] as const satisfies readonly Column[];

class Ring {
  readonly t: Float64Array;
  readonly v: Float32Array[];
  start = 0;
  size = 0;
  constructor(max: number) {
    this.t = new Float64Array(max);
    this.v = COLUMNS.map(() => new Float32Array(max));
  }
  get last(): number {
    return this.size ? this.t[(this.start + this.size - 1) % this.t.length]! : 0;
  }
  push(t: number, values: ReadonlyArray<number | undefined>): void {
    // A retried or reordered batch must not put time backwards.
    if (this.size && t <= this.last) return;
    const max = this.t.length;
    const i = (this.start + this.size) % max;
    if (this.size < max) this.size++;
    else this.start = (this.start + 1) % max;
    this.t[i] = t;
    for (let c = 0; c < COLUMNS.length; c++) this.v[c]![i] = values[c] ?? Number.NaN;
  }
  read(sinceMs: number): SeriesData {
    const out = { t: [] as number[] } as SeriesData;
    for (const c of COLUMNS) out[c] = [];
    const max = this.t.length;
    for (let k = 0; k < this.size; k++) {
      const i = (this.start + k) % max;
      if (this.t[i]! < sinceMs) continue;
      out.t.push(this.t[i]!);
      COLUMNS.forEach((c, ci) => {
        const x = this.v[ci]![i]!;
        out[c].push(Number.isNaN(x) ? null : x);
      });
    }
    return out;
  }
}

type HostPrev = { busy: number; total: number; rx: number; tx: number; rd: number; wr: number; t: number };

export class HistoryStore {
  private readonly series = new Map<string, Ring>();
  private readonly hostPrev = new Map<string, HostPrev>();
  private readonly windowMs: number;
  private readonly maxPoints: number;
  private readonly maxSeries: number;
  private readonly now: () => number;
  /** Series refused because maxSeries were already kept (swarmscope_ui_history_refused_series_total). */
  refusedSeries = 0;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(opts: { windowMs: number; maxPoints: number; maxSeries: number; now?: () => number }) {
    this.windowMs = opts.windowMs;
    this.maxPoints = opts.maxPoints;
    this.maxSeries = opts.maxSeries;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.series.size;
  }

  observeContainer(r: ContainerMetricRecord): void {
    const rt = r.rates;
    this.push(`c:${r.container.id}`, Date.parse(r.time), [
      rt?.cpuTotal,
      r.memory.workingSetBytes,
      rt?.netRxBytes,
      rt?.netTxBytes,
      rt?.diskReadBytes,
      rt?.diskWriteBytes,
    ]);
  }

  /** Host counters are cumulative: rates come from this node's previous record. */
  observeHost(r: HostMetricRecord): void {
    const key = `n:${r.node.id || r.node.hostname}`;
    const t = Date.parse(r.time);
    const h = r.host;
    const all = h.cpus.find((c) => c.cpu === 'cpu') ?? sumCpus(h.cpus);
    const idle = all.idle + all.iowait;
    const total = all.user + all.nice + all.system + all.idle + all.iowait + all.irq + all.softirq + all.steal;
    const ncpu = Math.max(1, h.cpus.filter((c) => c.cpu !== 'cpu').length);
    const nics = (h.network ?? []).filter((n) => n.interface !== 'lo');
    const disks = (h.disks ?? []).filter((d) => !/^(loop|ram|dm-)/.test(d.device));
    const cur: HostPrev = {
      busy: total - idle,
      total,
      rx: nics.reduce((a, n) => a + n.rxBytes, 0),
      tx: nics.reduce((a, n) => a + n.txBytes, 0),
      rd: disks.reduce((a, d) => a + d.readBytes, 0),
      wr: disks.reduce((a, d) => a + d.writtenBytes, 0),
      t,
    };
    const prev = this.hostPrev.get(key);
    if (prev && t <= prev.t) return;
    this.hostPrev.set(key, cur);
    if (!prev) return;
    const s = (t - prev.t) / 1000;
    const rate = (a: number, b: number) => (a >= b ? (a - b) / s : undefined);
    const dt = cur.total - prev.total;
    const mem = h.memory.MemTotal !== undefined ? h.memory.MemTotal - (h.memory.MemAvailable ?? 0) : undefined;
    this.push(key, t, [
      dt > 0 ? ((cur.busy - prev.busy) / dt) * ncpu : undefined,
      mem,
      rate(cur.rx, prev.rx),
      rate(cur.tx, prev.tx),
      rate(cur.rd, prev.rd),
      rate(cur.wr, prev.wr),
    ]);
  }

  container(id: string): SeriesData | undefined {
    return this.series.get(`c:${id}`)?.read(this.now() - this.windowMs);
  }

  node(id: string): SeriesData | undefined {
    return this.series.get(`n:${id}`)?.read(this.now() - this.windowMs);
  }

  /** Forgets series not written within the window (containers gone, nodes silent). */
  sweep(): void {
    this.lastSweep = this.now();
    const cutoff = this.lastSweep - this.windowMs;
    for (const [k, ring] of this.series) if (ring.last < cutoff) this.series.delete(k);
    for (const [k, p] of this.hostPrev) if (p.t < cutoff) this.hostPrev.delete(k);
  }

  private push(key: string, t: number, values: ReadonlyArray<number | undefined>): void {
    let ring = this.series.get(key);
    if (!ring) {
      // A cluster with more containers than the bound refuses a record of each of them every
      // interval: a sweep of every kept series for each would cost more than the ingest itself.
      if (this.series.size >= this.maxSeries && this.now() - this.lastSweep >= SWEEP_AT_BOUND_EVERY_MS) this.sweep();
      if (this.series.size >= this.maxSeries) {
        this.refusedSeries++;
        return;
      }
      ring = new Ring(this.maxPoints);
      this.series.set(key, ring);
    }
    ring.push(t, values);
  }
}

function sumCpus(cpus: HostMetricRecord['host']['cpus']) {
  const z = { cpu: 'cpu', user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  for (const c of cpus) {
    z.user += c.user;
    z.nice += c.nice;
    z.system += c.system;
    z.idle += c.idle;
    z.iowait += c.iowait;
    z.irq += c.irq;
    z.softirq += c.softirq;
    z.steal += c.steal;
  }
  return z;
}

/** Sums several series into one on a common time grid (a service = its tasks' containers). */
export function sumSeries(list: readonly SeriesData[], stepMs: number): SeriesData {
  const buckets = new Map<number, number[]>();
  for (const s of list) {
    s.t.forEach((t, i) => {
      const b = Math.round(t / stepMs) * stepMs;
      let row = buckets.get(b);
      if (!row) buckets.set(b, (row = COLUMNS.map(() => Number.NaN)));
      COLUMNS.forEach((c, ci) => {
        const v = s[c][i];
        if (v !== null && v !== undefined) row[ci] = (Number.isNaN(row[ci]!) ? 0 : row[ci]!) + v;
      });
    });
  }
  const times = [...buckets.keys()].sort((a, b) => a - b);
  const out = { t: times } as SeriesData;
  COLUMNS.forEach((c, ci) => {
    out[c] = times.map((t) => {
      const v = buckets.get(t)![ci]!;
      return Number.isNaN(v) ? null : v;
    });
  });
  return out;
}
