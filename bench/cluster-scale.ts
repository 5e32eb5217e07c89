// The metrics path at cluster scale: N simulated collectors (the real pipeline each, speaking the
// wire protocol) with C containers each, sampled every interval, plus log lines, routed by
// ownership to R aggregator replicas (real processes) indexing into the test Elasticsearch. Prints
// series per replica, /metrics render time and bytes (plain and gzip), per-node scrape time, ack
// latency, CPU and RSS per replica, Elasticsearch docs/s and loss. A benchmark, not a test.
// Usage: node bench/cluster-scale.ts --nodes 1000 --containers 50 --interval 10s --seconds 600
//        [--replicas 3] [--log-rate 0.2 (lines/s per container)] [--warmup 30s]
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { parseDurationMs } from '../common/env.ts';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { Loadgen, percentile } from '../test/helpers/loadgen.ts';
import { esWriterEnv } from '../test/helpers/env.ts';
import { deleteIndices, esAdmin } from '../test/helpers/elasticsearch.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    containers: { type: 'string', default: '50' },
    interval: { type: 'string', default: '10s' },
    seconds: { type: 'string', default: '120' },
    replicas: { type: 'string', default: '3' },
    'log-rate': { type: 'string', default: '0.2' },
    warmup: { type: 'string', default: '30s' },
  },
});
const NODES = Number(values.nodes);
const CONTAINERS = Number(values.containers);
const INTERVAL_MS = parseDurationMs(values.interval);
const SECONDS = Number(values.seconds);
const REPLICAS = Number(values.replicas);
const LOG_RATE = Number(values['log-rate']);
const WARMUP_MS = parseDurationMs(values.warmup);

const run = `cs${randomBytes(3).toString('hex')}`;
const prefix = `swarmscope-b${run}`;
const token = randomBytes(12).toString('hex');
const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
const urls = ports.map((p) => `http://127.0.0.1:${p}`);
const replicas = ports.map(
  (port) =>
    new AggregatorProcess(port, {
      SWARMSCOPE_TOKEN: token,
      ...esWriterEnv(prefix),
      SWARMSCOPE_REPLICAS: urls.join(','),
    }),
);
const say = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

/** One /metrics response, timed to its last byte; `gzip` asks for (and counts) the compressed body. */
async function scrape(url: string, gzip: boolean): Promise<{ seconds: number; bytes: number; series: number }> {
  const started = performance.now();
  const res = await request(`${url}/metrics`, {
    headers: gzip ? { 'accept-encoding': 'gzip' } : {},
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  let bytes = 0;
  let series = 0;
  let atLineStart = true;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (gzip) continue;
    // Series = lines not starting with '#' (found by indexOf: a byte loop in JS cost the bench ~1 s per 500 MiB).
    let i = 0;
    if (atLineStart && chunk.length && chunk[0] !== 0x23 && chunk[0] !== 0x0a) series++;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, i)) {
      i = nl + 1;
      if (i < chunk.length && chunk[i] !== 0x23 && chunk[i] !== 0x0a) series++;
    }
    atLineStart = chunk[chunk.length - 1] === 0x0a;
  }
  return { seconds: (performance.now() - started) / 1000, bytes, series };
}

type Round = { plain: Awaited<ReturnType<typeof scrape>>[]; gzip: Awaited<ReturnType<typeof scrape>>[] };

async function esDocs(): Promise<number> {
  try {
    return (await esAdmin().count({ index: `${prefix}-*` })).count;
  } catch {
    return 0;
  }
}

await Promise.all(replicas.map((r) => r.start()));
say(`${REPLICAS} replicas up: ${urls.join(' ')}`);
const load = new Loadgen({
  urls,
  token,
  collectors: NODES,
  rate: NODES * CONTAINERS * LOG_RATE,
  run,
  fsync: 'off',
  containers: () => CONTAINERS,
  intervalMs: INTERVAL_MS,
  routing: { retryDownMs: 5000 },
  batchMaxAgeMs: 1000,
  batchMaxRecords: 5000,
});
let peakRss = replicas.map(() => 0);
const rssTimer = setInterval(() => (peakRss = replicas.map((r, i) => Math.max(peakRss[i]!, r.rssBytes()))), 1000);
await load.start();
say(`${NODES} collectors × ${CONTAINERS} containers every ${INTERVAL_MS} ms, ${LOG_RATE} log lines/s per container`);
await new Promise((r) => setTimeout(r, WARMUP_MS));

const cpu0 = replicas.map((r) => r.cpuSeconds());
const docs0 = await esDocs();
const lat0 = load.latenciesMs.length;
const t0 = performance.now();
const rounds: Round[] = [];
const perNode: number[] = [];
while ((performance.now() - t0) / 1000 < SECONDS) {
  const roundStart = performance.now();
  // As Prometheus does: every replica at once, one scrape each; plain and gzip in turn.
  const gzip = rounds.length % 2 === 1;
  const results = await Promise.all(urls.map((u) => scrape(u, gzip)));
  const round: Round = { plain: gzip ? [] : results, gzip: gzip ? results : [] };
  rounds.push(round);
  say(
    `${gzip ? 'gzip ' : 'plain'} ${results.map((r) => `${r.series} series ${mib(r.bytes)} MiB ${r.seconds.toFixed(2)} s`).join(' | ')}; RSS ${replicas.map((r) => mib(r.rssBytes())).join('/')} MiB; acks ${load.latenciesMs.length - lat0}`,
  );
  // A few per-node targets (http_sd), as a sharded Prometheus scrapes them.
  const groups = (await (await fetch(`${urls[0]}/api/v1/targets`)).json()) as Array<{
    targets: string[];
    labels: Record<string, string>;
  }>;
  const nodes = groups.filter((g) => g.labels.__param_node);
  for (let i = 0; i < 5 && nodes.length; i++) {
    const g = nodes[Math.floor(Math.random() * nodes.length)]!;
    const started = performance.now();
    await (await fetch(`http://${g.targets[0]}/metrics?node=${g.labels.__param_node}`)).text();
    perNode.push(performance.now() - started);
  }
  const wait = 15_000 - (performance.now() - roundStart);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
const elapsed = (performance.now() - t0) / 1000;
const cpu = replicas.map((r, i) => (r.cpuSeconds() - cpu0[i]!) / elapsed);
const docs1 = await esDocs();
const latencies = load.latenciesMs.slice(lat0);
say('stopping the load and draining the queues');
await load.stopGenerating();
const drained = await load.drain(300_000);
clearInterval(rssTimer);
const generatedLogs = load.progress().reduce((n, p) => n + p.logs, 0);
const dropped = load.collectors.reduce(
  (n, c) => n + Object.values(c.queue.stats().droppedRecords).reduce((a, b) => a + b, 0),
  0,
);
await esAdmin()
  .indices.refresh({ index: `${prefix}-*` })
  .catch(() => undefined);
const logDocs = await esAdmin()
  .count({ index: `${prefix}-logs-*` })
  .then((r) => r.count)
  .catch(() => 0);

const stat = (xs: number[], f: (x: number) => string) =>
  xs.length ? `${f(Math.min(...xs))}–${f(Math.max(...xs))}` : 'n/a';
const byReplica = (pick: (r: Round) => Awaited<ReturnType<typeof scrape>>[]) =>
  replicas.map((_, i) => rounds.flatMap((r) => pick(r).slice(i, i + 1)));
const plain = byReplica((r) => r.plain);
const gz = byReplica((r) => r.gzip);
process.stdout.write(
  [
    '',
    `cluster-scale: ${NODES} nodes × ${CONTAINERS} containers, interval ${INTERVAL_MS / 1000} s, ${LOG_RATE} lines/s per container, ${REPLICAS} replicas, ${elapsed.toFixed(0)} s measured after ${WARMUP_MS / 1000} s warm-up`,
    '| replica | series | render s (plain) | MiB plain | render s (gzip) | MiB gzip | CPU cores | RSS MiB (peak) |',
    '|---|---|---|---|---|---|---|---|',
    ...replicas.map(
      (r, i) =>
        `| ${i + 1} | ${stat(
          plain[i]!.map((x) => x.series),
          String,
        )} | ${stat(
          plain[i]!.map((x) => x.seconds),
          (x) => x.toFixed(2),
        )} | ${stat(
          plain[i]!.map((x) => x.bytes),
          mib,
        )} | ${stat(
          gz[i]!.map((x) => x.seconds),
          (x) => x.toFixed(2),
        )} | ${stat(
          gz[i]!.map((x) => x.bytes),
          mib,
        )} | ${cpu[i]!.toFixed(2)} | ${mib(peakRss[i]!)} |`,
    ),
    `per-node target scrape (http_sd): p50 ${percentile(perNode, 50).toFixed(0)} ms, p99 ${percentile(perNode, 99).toFixed(0)} ms over ${perNode.length}`,
    `ack latency (generated → acknowledged): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms over ${latencies.length} batches`,
    `Elasticsearch: ${((docs1 - docs0) / elapsed).toFixed(0)} docs/s during the measurement`,
    `loss: ${generatedLogs - logDocs} of ${generatedLogs} log lines not in Elasticsearch after the drain (drained: ${drained}); ${dropped} metric records dropped at queue bounds`,
    '',
  ].join('\n'),
);
await load.close();
await Promise.all(replicas.map((r) => r.stop()));
await deleteIndices(`${prefix}-*`);
