// The aggregator's own cost on the Elasticsearch path (not a test): one aggregator process fed
// pre-encoded version 2 batches of json-file log lines, as a collector sends them (one container's
// group, 5,000 lines or 4 MiB a batch, zstd, 4 requests in flight; gzip to a checkout from before
// zstd, as a collector falls back), into the test Elasticsearch; no
// collector, engine or file in the figure, so what changes is what the aggregator does. Printed
// beside Elasticsearch's own ceiling for the same documents (the plain `_bulk` loop). Other
// checkouts named on the command line run alternately with this one, each a fresh process and index,
// so that two versions of the aggregator meet the same Elasticsearch in turn.
// Usage: node bench/aggregator-es.ts [lines of 100 B] [lines of 2 KiB] [rounds] [other checkout …]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerRef, LogRecord } from '../common/schema/index.ts';
import { BATCH_ID_HEADER, compressBatch, INGEST_PATH, NDJSON_V2, type BatchCompression } from '../common/wire.ts';
import { BatchEncoderV2 } from '../common/wire-v2-encoder.ts';
import { bulkItems } from '../aggregator/sinks/elasticsearch/sink.ts';
import { templateFor } from '../aggregator/sinks/elasticsearch/templates.ts';
import { AggregatorProcess, freePort } from '../test/helpers/aggregator-process.ts';
import { deleteIndices, deleteTemplates, putTemplate } from '../test/helpers/elasticsearch.ts';
import { bulkLoop, ceilingItems } from './bulk-ceiling.ts';
import { warmUpElasticsearch } from './es-warm-up.ts';

const sizes = [
  { bytes: 100, lines: Number(process.argv[2] ?? 200_000) },
  { bytes: 2048, lines: Number(process.argv[3] ?? 60_000) },
];
const rounds = Number(process.argv[4] ?? 2);
const here = fileURLToPath(new URL('..', import.meta.url));
const trees = [here, ...process.argv.slice(5).map((p) => resolve(p))];
const run = randomBytes(3).toString('hex');
/** The collector's batch bounds and requests in flight (SWARMSCOPE_BATCH_MAX_*, SWARMSCOPE_SHIP_CONCURRENCY). */
const BATCH = { records: 5000, bytes: 4 * 1024 * 1024, inFlight: 4 };

/** One task container's lines as a collector's json-file reader makes them: one node and container object. */
function records(bytes: number, lines: number): LogRecord[] {
  const node = { id: `benchnode${run}`, hostname: 'worker-1' };
  const id = `${run}`.padEnd(64, '0');
  const container: ContainerRef = {
    id,
    name: 'shop_web.1.t4sk',
    image: 'shop/web:1.4.2',
    labels: {
      'com.docker.swarm.service.name': 'shop_web',
      'com.docker.swarm.service.id': 'svc0123456789',
      'com.docker.swarm.task.name': 'shop_web.1.t4sk',
      'com.docker.swarm.task.id': 't4sk0123456789',
      'com.docker.swarm.node.id': node.id,
      'com.docker.stack.namespace': 'shop',
    },
  };
  const file = `/var/lib/docker/containers/${id}/${id}-json.log`;
  const t0 = Date.now();
  return Array.from({ length: lines }, (_, i) => {
    const head = `${String(i).padStart(10, '0')} `;
    return {
      kind: 'log',
      id: `${run}-${bytes}-${i}`.padEnd(43, 'x'),
      time: new Date(t0 + i).toISOString(),
      node,
      container,
      stream: 'stdout',
      message: head + 'x'.repeat(bytes - head.length - 1),
      origin: { source: 'json-file', file, offset: i * (bytes + 80) },
    };
  });
}

/** The batches' lines, each as the collector's encoder closes it. */
function batchLines(recs: readonly LogRecord[]): Buffer[] {
  const out: Buffer[] = [];
  let enc = new BatchEncoderV2();
  for (const r of recs) {
    enc.add(r);
    if (enc.records >= BATCH.records || enc.bytes >= BATCH.bytes) {
      out.push(enc.finish());
      enc = new BatchEncoderV2();
    }
  }
  if (enc.records > 0) out.push(enc.finish());
  return out;
}

/** The batches as sent, in each compression (zstd; gzip for an aggregator from before it). */
type Wire = Record<BatchCompression, Buffer[]>;

async function wireOf(lines: readonly Buffer[]): Promise<Wire> {
  return {
    zstd: await Promise.all(lines.map((l) => compressBatch(l, 'zstd'))),
    gzip: await Promise.all(lines.map((l) => compressBatch(l, 'gzip'))),
  };
}

type Row = {
  tree: string;
  bytes: number;
  lines: number;
  rate: number;
  cpuPerMillion: number;
  compression: BatchCompression;
};

/** A fresh aggregator of `tree` takes the batches; rate and CPU from its first acknowledgement on. */
async function aggregator(tree: string, bytes: number, wire: Wire, lines: number, k: number): Promise<Row> {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-agg-'));
  const token = randomBytes(12).toString('hex');
  const prefix = `swarmscope-bench${run}agg${k}`;
  const agg = new AggregatorProcess(
    await freePort(),
    {
      SWARMSCOPE_TOKEN: token,
      SWARMSCOPE_DATA_DIR: dir,
      SWARMSCOPE_ES_INDEX_PREFIX: prefix,
      SWARMSCOPE_LOG_LEVEL: 'warn',
    },
    join(tree, 'bin', 'swarmscope.ts'),
  );
  let compression: BatchCompression = 'zstd';
  const post = async (i: number) => {
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(agg.url + INGEST_PATH, {
        method: 'POST',
        body: wire[compression][i]!,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': NDJSON_V2,
          'content-encoding': compression,
          [BATCH_ID_HEADER]: `${prefix}-${i}`,
        },
      });
      const text = await res.text();
      if (res.status === 200) return;
      // A checkout from before zstd: gzip from then on, as a collector falls back.
      if (res.status === 415 && compression === 'zstd') {
        compression = 'gzip';
        continue;
      }
      // 429 and 503 are the aggregator's back-pressure: a collector waits and sends again.
      if ((res.status !== 429 && res.status !== 503) || attempt === 50)
        throw new Error(`batch ${i}: ${res.status} ${text.slice(0, 300)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await agg.start();
    // The first batch installs the templates and makes the index: not measured, as a running aggregator has done both.
    await post(0);
    const cpu0 = agg.cpuSeconds();
    const t0 = performance.now();
    let next = 1;
    await Promise.all(
      Array.from({ length: BATCH.inFlight }, async () => {
        for (let i = next++; i < wire.zstd.length; i = next++) await post(i);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const measured = lines - Math.min(lines, BATCH.records);
    return {
      tree,
      bytes,
      lines: measured,
      rate: measured / seconds,
      cpuPerMillion: ((agg.cpuSeconds() - cpu0) / measured) * 1e6,
      compression,
    };
  } finally {
    await agg.stop();
    await deleteIndices(`${prefix}-*`);
    await deleteTemplates(`${prefix}-*`);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Elasticsearch's own rate for the same documents (this tree's), by the plain loop into a fresh index. */
async function ceiling(recs: readonly LogRecord[]): Promise<number> {
  const prefix = `swarmscope-bench${run}ceil`;
  await putTemplate(templateFor(prefix, 'logs'));
  try {
    const { docs, seconds } = await bulkLoop(ceilingItems(bulkItems(prefix, recs)));
    return docs / seconds;
  } finally {
    await deleteIndices(`${prefix}-*`);
    await deleteTemplates(`${prefix}-*`);
  }
}

await warmUpElasticsearch(run);
const rows: Row[] = [];
const ceilings = new Map<number, number>();
let k = 0;
for (const { bytes, lines } of sizes) {
  if (lines <= BATCH.records) continue;
  const recs = records(bytes, lines);
  const wire = await wireOf(batchLines(recs));
  for (let r = 0; r < rounds; r++)
    for (const tree of trees) {
      const row = await aggregator(tree, bytes, wire, lines, k++);
      rows.push(row);
      console.error(
        `${tree} | ${bytes} B | ${row.compression} | ${Math.round(row.rate)} lines/s | ${row.cpuPerMillion.toFixed(1)} CPU s / M lines`,
      );
    }
  ceilings.set(bytes, await ceiling(recs));
}
const n = (v: number, d = 0) => v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
console.log(
  '| aggregator (checkout) | line | batches | lines | lines/s | aggregator CPU s / M lines | ceiling lines/s |',
);
console.log('|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(
    `| ${r.tree} | ${r.bytes === 100 ? '100 B' : '2 KiB'} | ${r.compression} | ${n(r.lines)} | ${n(r.rate)} | ${n(r.cpuPerMillion, 1)} | ${n(ceilings.get(r.bytes)!)} |`,
  );
