// The metrics path at cluster scale: N simulated collectors (the real pipeline each, speaking the
// wire protocol) with C containers each, sampled every interval, plus log lines, routed by
// ownership to R aggregator replicas (real processes) indexing into the test Elasticsearch. Prints
// series per replica, /metrics render time and bytes (plain and gzip), per-node scrape time, ack
// latency, CPU and RSS per replica, Elasticsearch docs/s and loss, and first, with nothing else
// running, Elasticsearch's own ceiling for this run's documents. A benchmark, not a test.
// Usage: node bench/cluster-scale.ts --nodes 1000 --containers 50 --interval 10s --seconds 600
//        [--replicas 3] [--log-rate 0.2 (lines/s per container)] [--warmup 30s] [--sink es|journal]
//        [--batch-age 1s (the simulated collectors' SWARMSCOPE_BATCH_MAX_AGE)]
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseDurationMs } from '../common/env.ts';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { Loadgen, percentile } from '../test/helpers/loadgen.ts';
import { esWriterEnv } from '../test/helpers/env.ts';
import { deleteIndices, deleteTemplates, esAdmin, putTemplate } from '../test/helpers/elasticsearch.ts';
import { runScraper } from './scraper.ts';
import { bulkLoop, ceilingItems } from './bulk-ceiling.ts';
import { containerRecord, hostRecord, logRecord, simulatedNodeId } from '../test/helpers/fleet-records.ts';
import { templateFor } from '../aggregator/sinks/elasticsearch/templates.ts';
import { bulkItems } from '../aggregator/sinks/elasticsearch/sink.ts';
import { DATASETS } from '../aggregator/sinks/elasticsearch/index-name.ts';
import type { WireRecord } from '../common/schema/index.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '100' },
    containers: { type: 'string', default: '50' },
    interval: { type: 'string', default: '10s' },
    seconds: { type: 'string', default: '120' },
    replicas: { type: 'string', default: '3' },
    'log-rate': { type: 'string', default: '0.2' },
    warmup: { type: 'string', default: '30s' },
    sink: { type: 'string', default: 'es' },
    // The README's advice for clusters of hundreds of nodes: a second per batch, not the collector's
    // default 250 ms, cuts the requests the aggregators answer fourfold (1,000 nodes: 4,000/s → 1,000/s).
    'batch-age': { type: 'string', default: '1s' },
  },
});
const NODES = Number(values.nodes);
const CONTAINERS = Number(values.containers);
const INTERVAL_MS = parseDurationMs(values.interval);
const SECONDS = Number(values.seconds);
const REPLICAS = Number(values.replicas);
const LOG_RATE = Number(values['log-rate']);
const WARMUP_MS = parseDurationMs(values.warmup);
// `journal`: the replicas keep batches in their local journal, so the figures are the metrics path's own.
if (values.sink !== 'es' && values.sink !== 'journal') throw new Error(`--sink ${values.sink}: give es or journal`);
const TO_ES = values.sink === 'es';

const run = `cs${randomBytes(3).toString('hex')}`;
const prefix = `swarmscope-b${run}`;
const token = randomBytes(12).toString('hex');
const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
const urls = ports.map((p) => `http://127.0.0.1:${p}`);
const replicas = ports.map(
  (port) =>
    new AggregatorProcess(port, {
      SWARMSCOPE_TOKEN: token,
      ...(TO_ES ? esWriterEnv(prefix) : {}),
      SWARMSCOPE_REPLICAS: urls.join(','),
    }),
);
const say = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

async function esDocs(): Promise<number> {
  if (!TO_ES) return 0;
  try {
    return (await esAdmin().count({ index: `${prefix}-*` })).count;
  } catch {
    return 0;
  }
}

/** Documents per second the run offers Elasticsearch: every container and host sample, every log line. */
const offeredDocsPerSecond = (NODES * (CONTAINERS + 1) * 1000) / INTERVAL_MS + NODES * CONTAINERS * LOG_RATE;

/**
 * Elasticsearch alone: whole sampling intervals of this run's own records (≥ 100k documents, the
 * same mix of container samples, host samples and log lines), encoded as the sink encodes them,
 * sent by a plain loop of pre-serialised `_bulk` requests before anything else starts.
 */
async function esCeiling(): Promise<{ docs: number; seconds: number }> {
  const ceilingPrefix = `${prefix}ceil`;
  for (const d of DATASETS) await putTemplate(templateFor(ceilingPrefix, d));
  const perInterval = Math.max(1, Math.round((offeredDocsPerSecond * INTERVAL_MS) / 1000));
  const records: WireRecord[] = [];
  const filler = 'x'.repeat(100);
  const linesPerNode = Math.round((CONTAINERS * LOG_RATE * INTERVAL_MS) / 1000);
  for (let seq = 0; seq < Math.ceil(100_000 / perInterval); seq++) {
    const time = new Date();
    for (let n = 0; n < NODES; n++) {
      const source = `${run}-n${n}`;
      const node = { id: simulatedNodeId(source), hostname: source };
      for (let i = 0; i < CONTAINERS; i++) records.push(containerRecord(node, i, seq, time));
      records.push(hostRecord(node, seq, time));
      for (let l = 0; l < linesPerNode; l++)
        records.push(logRecord(node, source, source, seq * linesPerNode + l, filler));
    }
  }
  try {
    return await bulkLoop(ceilingItems(bulkItems(ceilingPrefix, records)));
  } finally {
    await deleteIndices(`${ceilingPrefix}-*`);
    await deleteTemplates(`${ceilingPrefix}-*`);
  }
}
const ceiling = TO_ES ? await esCeiling() : undefined;
if (ceiling)
  say(
    `Elasticsearch alone: ${ceiling.docs} of this run's documents in ${ceiling.seconds.toFixed(1)} s = ${(ceiling.docs / ceiling.seconds).toFixed(0)} docs/s (the run offers ${offeredDocsPerSecond.toFixed(0)})`,
  );

await Promise.all(replicas.map((r) => r.start()));
say(`${REPLICAS} replicas up: ${urls.join(' ')}`);
// The simulated collectors' disk queues in memory where the machine has a tmpfs: the load generator
// is not what is measured, and its file system calls were its largest cost.
const queueDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'swarmscope-cluster-scale-'));
const load = new Loadgen({
  dataDir: queueDir,
  urls,
  token,
  collectors: NODES,
  rate: NODES * CONTAINERS * LOG_RATE,
  run,
  fsync: 'off',
  containers: () => CONTAINERS,
  intervalMs: INTERVAL_MS,
  routing: { retryDownMs: 5000 },
  batchMaxAgeMs: parseDurationMs(values['batch-age']),
  batchMaxRecords: 5000,
});
let peakRss = replicas.map(() => 0);
/** Answers by HTTP status summed over the simulated collectors ("0": no answer). */
const responseCounts = () => {
  const out: Record<string, number> = {};
  for (const c of load.collectors)
    for (const [status, n] of Object.entries(c.shipper.stats.responses)) out[status] = (out[status] ?? 0) + n;
  return out;
};
const rssTimer = setInterval(() => (peakRss = replicas.map((r, i) => Math.max(peakRss[i]!, r.rssBytes()))), 1000);
await load.start();
say(
  `${NODES} collectors × ${CONTAINERS} containers every ${INTERVAL_MS} ms, ${LOG_RATE} log lines/s per container, batches of at most ${values['batch-age']}`,
);
await new Promise((r) => setTimeout(r, WARMUP_MS));

const cpu0 = replicas.map((r) => r.cpuSeconds());
const docs0 = await esDocs();
const lat0 = load.latenciesMs.length;
const answered0 = load.answerMs.length;
const responses0 = responseCounts();
const t0 = performance.now();
const { rounds, perNodeMs: perNode } = await runScraper(urls, SECONDS, ({ gzip, results }) =>
  say(
    `${gzip ? 'gzip ' : 'plain'} ${results.map((r) => `${r.series} series ${mib(r.bytes)} MiB ${r.seconds.toFixed(2)} s`).join(' | ')}; RSS ${replicas.map((r) => mib(r.rssBytes())).join('/')} MiB; acks ${load.latenciesMs.length - lat0}`,
  ),
);
const elapsed = (performance.now() - t0) / 1000;
const cpu = replicas.map((r, i) => (r.cpuSeconds() - cpu0[i]!) / elapsed);
const docs1 = await esDocs();
const latencies = load.latenciesMs.slice(lat0);
const answered = load.answerMs.slice(answered0);
const responses = responseCounts();
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
// In the journal, every acknowledged line is held: a drained queue is every line delivered.
const logDocs = TO_ES
  ? await esAdmin()
      .count({ index: `${prefix}-logs-*` })
      .then((r) => r.count)
      .catch(() => 0)
  : drained
    ? generatedLogs
    : 0;

const stat = (xs: number[], f: (x: number) => string) =>
  xs.length ? `${f(Math.min(...xs))}–${f(Math.max(...xs))}` : 'n/a';
const byReplica = (gzip: boolean) =>
  replicas.map((_, i) => rounds.filter((r) => r.gzip === gzip).map((r) => r.results[i]!));
const plain = byReplica(false);
const gz = byReplica(true);
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
    `ack latency (generated → acknowledged, batching included): p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms over ${latencies.length} batches`,
    `aggregator's answer (request sent → 200): p50 ${percentile(answered, 50).toFixed(0)} ms, p99 ${percentile(answered, 99).toFixed(0)} ms; answers during the measurement: ${Object.entries(
      responses,
    )
      .map(([status, n]) => `${status === '0' ? 'none' : status} ${n - (responses0[status] ?? 0)}`)
      .join(', ')}`,
    ceiling
      ? `Elasticsearch: ${((docs1 - docs0) / elapsed).toFixed(0)} docs/s during the measurement; offered ${offeredDocsPerSecond.toFixed(0)} docs/s; alone, before the run (plain _bulk loop of the same documents): ${(ceiling.docs / ceiling.seconds).toFixed(0)} docs/s`
      : "sink: the replicas' local journals (no Elasticsearch)",
    drained
      ? `loss: ${generatedLogs - logDocs} of ${generatedLogs} log lines not in ${TO_ES ? 'Elasticsearch' : 'a journal'} after the drain; ${dropped} metric records dropped at queue bounds`
      : `not drained within 300 s: ${generatedLogs - logDocs} of ${generatedLogs} log lines not yet in ${TO_ES ? 'Elasticsearch' : 'a journal'} (still queued: log records are never dropped, generation pauses at a full queue); ${dropped} metric records dropped at queue bounds`,
    '',
  ].join('\n'),
);
await load.close();
await rm(queueDir, { recursive: true, force: true });
await Promise.all(replicas.map((r) => r.stop()));
if (TO_ES) await deleteIndices(`${prefix}-*`);
