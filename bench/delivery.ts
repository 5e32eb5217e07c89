// Delivery figures at full size (not a test): a real aggregator child process, the shared test
// Elasticsearch (or a private one for the outage), simulated collectors via the load generator.
//   steady  — 5,000 records/s: aggregator CPU seconds per 100k records, p50/p99 ack latency
//   kills   — 5,000 records/s, 10 × kill -9 at random moments over 2 minutes: exactly-once oracle
//   outage  — private Elasticsearch stopped 2 minutes under 5,000 records/s: backlog, drain time,
//             collector-side RSS and queue disk while buffering; exactly-once oracle
// Usage: eval "$(npm run -s env:up)"; node bench/delivery.ts steady|kills|outage [seconds]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { testEnv } from '../test/helpers/env.ts';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { Loadgen, percentile } from '../test/helpers/loadgen.ts';
import { checkExactlyOnce } from '../test/helpers/delivery-oracle.ts';
import { deleteIndices, esAdmin } from '../test/helpers/elasticsearch.ts';
import { startOwnElasticsearch, type OwnElasticsearch } from '../test/helpers/own-elasticsearch.ts';

const scenario = process.argv[2] ?? 'steady';
const seconds = Number(process.argv[3] ?? (scenario === 'steady' ? 60 : 120));
const RATE = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

const run = `bench${randomBytes(3).toString('hex')}`;
const prefix = `swarmscope-t${run}`;
const token = randomBytes(12).toString('hex');
let own: OwnElasticsearch | undefined;
if (scenario === 'outage') own = await startOwnElasticsearch();
const esUrl = own?.url ?? testEnv.esUrl;
const agg = new AggregatorProcess(await freePort(), {
  SWARMSCOPE_TOKEN: token,
  SWARMSCOPE_ES_URL: esUrl,
  SWARMSCOPE_ES_USERNAME: testEnv.esUsername,
  SWARMSCOPE_ES_PASSWORD: testEnv.esPassword,
  SWARMSCOPE_ES_INDEX_PREFIX: prefix,
});
await agg.start();
const load = new Loadgen({
  urls: [agg.url],
  token,
  collectors: 10,
  rate: RATE,
  run,
  batchMaxAgeMs: 1000,
  batchMaxRecords: 5000,
  retryMaxMs: 2000,
});
await load.start();
const began = Date.now();
const out: Record<string, string | number> = { scenario, seconds, rate: RATE };

if (scenario === 'kills') {
  const moments = Array.from({ length: 10 }, () => Math.random() * seconds * 1000).sort((a, b) => a - b);
  for (const at of moments) {
    await sleep(began + at - Date.now());
    await agg.kill9();
    await agg.start();
  }
  await sleep(began + seconds * 1000 - Date.now());
} else if (scenario === 'outage') {
  await sleep(10_000);
  await own!.stop();
  const stoppedAt = Date.now();
  let peakRss = 0;
  let peakQueue = 0;
  while (Date.now() < stoppedAt + seconds * 1000) {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    peakQueue = Math.max(peakQueue, load.queueBytes());
    await sleep(1000);
  }
  out.backlog_records = load.collectors.reduce((n, c) => n + c.queue.stats().batches, 0) + ' batches';
  out.backlog_queue_disk = mib(load.queueBytes());
  out.loadgen_process_rss_peak_while_buffering = mib(peakRss);
  await own!.start();
  const back = Date.now();
  await load.stopGenerating();
  await load.drain(1_800_000);
  out.outage_seconds = Math.round((back - stoppedAt) / 1000);
  out.drain_seconds_after_es_back = ((Date.now() - back) / 1000).toFixed(1);
  out.peak_queue_disk = mib(peakQueue);
} else {
  await sleep(seconds * 1000);
}
await load.stopGenerating();
const drained = await load.drain(1_800_000);
const cpu = agg.cpuSeconds();
out.generated = load.generated();
out.drained = String(drained);
out.aggregator_cpu_seconds_per_100k = ((cpu / load.generated()) * 100_000).toFixed(2);
out.aggregator_rss = mib(agg.rssBytes());
out.ack_latency_p50_ms = percentile(load.latenciesMs, 50);
out.ack_latency_p99_ms = percentile(load.latenciesMs, 99);
const admin = own
  ? new Client({ node: own.url, auth: { username: testEnv.esAdminUsername, password: testEnv.esAdminPassword } })
  : esAdmin();
const report = await checkExactlyOnce(prefix, load.progress(), admin);
out.oracle = `expected ${report.expected}, missing ${report.missing}, duplicates ${report.duplicates}, unexpected ${report.unexpected}`;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
await load.close();
await agg.stop();
if (own) await own.remove();
else await deleteIndices(`${prefix}-*`);
process.exit(0);
