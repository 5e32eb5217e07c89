// Freshness of logs (not a test): containers write numbered lines at a steady total rate through
// json-file; a collector ships them to an aggregator writing to Elasticsearch; every 50 ms the bench
// asks Elasticsearch (no refresh forced: what a user's search would see) how many documents it can
// find per 20 ms of engine receive time (@timestamp, a date histogram over the last 15 s). Lines that
// appear in a bucket between two polls became searchable between them: write → searchable = the
// middle of the two polls − the bucket's middle (± 35 ms: half a bucket and half a poll, no bias).
// Also reports the collector's and aggregator's peak RSS while shipping. Elasticsearch is warmed up
// first (es-warm-up.ts).
// Usage (services up: eval "$(npm run -s env:up)"): node bench/logs-freshness.ts [lines/s 5000] [containers 10] [seconds 30]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { testEnv } from '../test/helpers/env.ts';
import { AggregatorProcess, freePort, procCpuSeconds } from '../test/helpers/aggregator-process.ts';
import { deleteIndices, deleteTemplates, esAdmin } from '../test/helpers/elasticsearch.ts';
import { startNumberedWriters } from '../test/helpers/numbered-writers.ts';
import { percentile } from '../test/helpers/loadgen.ts';
import { COLLECTOR_NODE_FLAGS, compiledEntry, rssBytes } from './engine.ts';
import { warmUpElasticsearch } from './es-warm-up.ts';

const rate = Number(process.argv[2] ?? 5000);
const containers = Number(process.argv[3] ?? 10);
const seconds = Number(process.argv[4] ?? 30);
const run = randomBytes(3).toString('hex');
const prefix = `swarmscope-fresh${run}`;
const label = `swarmscope.bench=fresh-${run}`;
const entry = await compiledEntry(); // the collector as the image runs it
const BUCKET_MS = 20;
const POLL_MS = 50;
/** Buckets older than this are not asked for again (the answer stays small): by then every line is searchable. */
const WINDOW_MS = 15_000;

// Steady state, not an Elasticsearch just started (its first minute of indexing added ~1.5 s at p99).
await warmUpElasticsearch(run);
const dir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-fresh-'));
const token = randomBytes(12).toString('hex');
const agg = new AggregatorProcess(await freePort(), {
  SWARMSCOPE_TOKEN: token,
  SWARMSCOPE_DATA_DIR: join(dir, 'aggregator'),
  SWARMSCOPE_ES_INDEX_PREFIX: prefix,
  SWARMSCOPE_ES_URL: testEnv.esUrl,
});
await agg.start();
let colErr = '';
const col = spawn(process.execPath, [...COLLECTOR_NODE_FLAGS, entry, 'collector'], {
  env: {
    ...process.env,
    SWARMSCOPE_AGGREGATOR_URL: agg.url,
    SWARMSCOPE_TOKEN: token,
    SWARMSCOPE_DATA_DIR: join(dir, 'collector'),
    SWARMSCOPE_LOGS_SELECTOR: label,
    SWARMSCOPE_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
col.stderr.setEncoding('utf8').on('data', (d: string) => (colErr = (colErr + d).slice(-4000)));
const es = esAdmin();
const latencies: number[] = [];
let writers: Awaited<ReturnType<typeof startNumberedWriters>> | undefined;
let peakCol = 0;
let peakAgg = 0;
/** The collector's CPU seconds, last read while it ran (the whole run: start, shipping, catching up). */
let colCpu = 0;
let seen = 0;
let total = 0;
try {
  await sleep(5000); // the collector is up and has reconciled the engine
  const since = new Date(Date.now() - 1000).toISOString();
  writers = await startNumberedWriters({ run, containers, rate, seconds, labels: [label] });
  total = writers.writers.reduce((n, w) => n + w.lines, 0);
  const counts = new Map<number, number>();
  const deadline = Date.now() + (seconds + 120) * 1000;
  let lastRss = 0;
  /** When the poll before this one was answered: a line first seen now became searchable since. */
  let prevAt = Date.now();
  while (seen < total && Date.now() < deadline) {
    if (col.exitCode !== null) throw new Error(`collector exited: ${colErr}`);
    const sent = Date.now();
    // A just-created index answers 503 until its shard starts: that poll saw nothing new.
    const res = await es
      .search({
        index: `${prefix}-logs-*`,
        ignore_unavailable: true,
        allow_no_indices: true,
        size: 0,
        query: {
          range: { '@timestamp': { gte: new Date(Math.max(Date.parse(since), sent - WINDOW_MS)).toISOString() } },
        },
        aggs: { b: { date_histogram: { field: '@timestamp', fixed_interval: `${BUCKET_MS}ms`, min_doc_count: 1 } } },
      })
      .catch(() => undefined);
    const answered = Date.now();
    const at = (prevAt + answered) / 2;
    prevAt = answered;
    const buckets = (res?.aggregations?.b as { buckets?: Array<{ key: number; doc_count: number }> } | undefined)
      ?.buckets;
    for (const b of buckets ?? []) {
      const before = counts.get(b.key) ?? 0;
      for (let i = before; i < b.doc_count; i++) latencies.push(at - (b.key + BUCKET_MS / 2));
      if (b.doc_count > before) {
        seen += b.doc_count - before;
        counts.set(b.key, b.doc_count);
      }
    }
    if (sent - lastRss >= 1000) {
      lastRss = sent;
      colCpu = procCpuSeconds(col.pid) || colCpu;
      peakCol = Math.max(peakCol, rssBytes(col.pid));
      peakAgg = Math.max(peakAgg, rssBytes(agg.pid));
    }
    await sleep(Math.max(0, POLL_MS - (Date.now() - sent)));
  }
} finally {
  col.kill('SIGTERM');
  await Promise.race([new Promise((r) => col.once('exit', r)), sleep(15_000)]);
  await agg.stop();
  await writers?.remove();
  await deleteIndices(`${prefix}-*`);
  await deleteTemplates(`${prefix}-*`);
  await rm(dir, { recursive: true, force: true });
}
const ms = (v: number) => `${Math.round(v)} ms`;
process.stdout.write(
  `${rate} lines/s over ${containers} containers for ${seconds} s: ${seen} of ${total} lines searchable\n` +
    `write → searchable p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(percentile(latencies, 100))}\n` +
    `peak RSS while shipping (1 s samples): collector ${(peakCol / 2 ** 20).toFixed(1)} MiB, aggregator ${(peakAgg / 2 ** 20).toFixed(1)} MiB; collector CPU ${colCpu.toFixed(1)} s\n` +
    `(load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`,
);
process.exit(seen === total ? 0 : 1);
