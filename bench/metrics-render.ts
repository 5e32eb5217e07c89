// What one replica's /metrics costs by itself: N nodes × C containers of schema-true records held
// in one process (the cluster state and tables the aggregator uses), rendered in full several times,
// plain and gzip as the route sends them. Prints series, MiB, ms per render and the heap held per
// series. No services; the aggregator's own share of the cluster-scale figures, free of the load
// generator and Elasticsearch sharing the machine.
// Usage: node --expose-gc bench/metrics-render.ts [--nodes 333] [--containers 50] [--rounds 5]
import { parseArgs } from 'node:util';
import { gzipSync, constants } from 'node:zlib';
import { Registry } from 'prom-client';
import type { WireRecord } from '../common/schema/index.ts';
import { ClusterState } from '../aggregator/sinks/prometheus/cluster-state.ts';
import { Exposition } from '../aggregator/sinks/prometheus/exposition.ts';
import { CONTAINER_TABLE } from '../aggregator/sinks/prometheus/container-metrics.ts';
import { HOST_TABLE } from '../aggregator/sinks/prometheus/host-metrics.ts';
import { containerRecord, hostRecord, simulatedNodeId } from '../test/helpers/fleet-records.ts';
import { SeriesCounter } from './series-counter.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '333' },
    containers: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '5' },
  },
});
const NODES = Number(values.nodes);
const CONTAINERS = Number(values.containers);
const ROUNDS = Number(values.rounds);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) process.stderr.write('[metrics-render] run with --expose-gc for the held-heap figure\n');

const state = new ClusterState({ staleAfterMs: 3_600_000 });
const exposition = new Exposition({ registry: new Registry(), state });
exposition.addTable(CONTAINER_TABLE);
exposition.addTable(HOST_TABLE);
gc?.();
const heap0 = process.memoryUsage().heapUsed;
const now = new Date();
for (let n = 0; n < NODES; n++) {
  const node = { id: simulatedNodeId(`render-${n}`), hostname: `render-${n}` };
  const records: WireRecord[] = [hostRecord(node, 1, now)];
  for (let i = 0; i < CONTAINERS; i++) records.push(containerRecord(node, i, 1, now));
  state.apply(records);
}

/** One full render as the route sends it; returns ms, bytes sent and series (lines not starting with '#'). */
async function render(gzip: boolean): Promise<{ ms: number; bytes: number; series: number }> {
  const started = performance.now();
  let bytes = 0;
  const counter = new SeriesCounter();
  for (const piece of await exposition.render()) {
    if (!gzip) {
      bytes += piece.length;
      counter.add(piece);
    } else bytes += gzipSync(piece, { level: constants.Z_BEST_SPEED }).length;
  }
  return { ms: performance.now() - started, bytes, series: counter.series };
}

const first = await render(false); // encodes every item's labels once, as the first scrape does
gc?.();
const held = process.memoryUsage().heapUsed - heap0;
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
for (const gzip of [false, true]) {
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) runs.push(await render(gzip));
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  process.stdout.write(
    `${gzip ? 'gzip ' : 'plain'}: ${mib(runs[0]!.bytes)} MiB, ${ms[0]!.toFixed(0)}–${ms[ms.length - 1]!.toFixed(0)} ms per render (median ${ms[Math.floor(ms.length / 2)]!.toFixed(0)})\n`,
  );
}
process.stdout.write(
  `${NODES} nodes × ${CONTAINERS} containers: ${first.series} series; heap held ${mib(held)} MiB = ${(held / first.series).toFixed(0)} B per series; RSS ${mib(process.memoryUsage().rss)} MiB\n`,
);
