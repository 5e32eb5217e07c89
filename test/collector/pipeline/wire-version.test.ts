// Batch encoding version 2 and zstd end to end: a collector's shipper sends them, an aggregator
// stores exactly the records version 1 would have given (journal records, Elasticsearch
// documents), and an aggregator from before zstd or before version 2 (answering 415; a stand-in
// server, as no older aggregator runs here) gets the same batch as gzip, or as version 1.
import test from 'ava';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { DiskQueue } from '../../../collector/pipeline/disk-queue.ts';
import { Shipper } from '../../../collector/pipeline/shipper.ts';
import { createLogger } from '../../../common/logger.ts';
import { recordId } from '../../../common/record-id.ts';
import type { LogRecord, WireRecord } from '../../../common/schema/index.ts';
import {
  encodeBatch,
  encodeBatchV2,
  INGEST_PATH,
  NDJSON,
  NDJSON_V2,
  type BatchCompression,
} from '../../../common/wire.ts';
import { startTestAggregator } from '../../helpers/aggregator.ts';
import { readSegment } from '../../../aggregator/sinks/journal/journal-segments.ts';
import { deleteIndices, scanAll } from '../../helpers/elasticsearch.ts';

const node = { id: 'wire-node-id', hostname: 'wire-node' };
const container = {
  id: 'e'.repeat(64),
  name: 'web.1.x',
  image: 'nginx:1',
  labels: { 'com.docker.swarm.service.name': 'web', 'com.docker.stack.namespace': 'st', 'x"y': 'z\n' },
};

function records(tag: string): WireRecord[] {
  const log = (i: number, over: Partial<LogRecord> = {}): LogRecord => ({
    kind: 'log',
    id: recordId(tag, 'log', i),
    time: `2026-01-01T00:00:0${i}.123456789Z`,
    node,
    container,
    stream: i % 2 ? 'stderr' : 'stdout',
    message: `line ${i} "quoted" <b> \u2028 é`,
    origin: { source: 'json-file', file: 'file-identity-1', offset: i * 120 },
    ...over,
  });
  return [
    log(0),
    log(1, { truncated: true, originalLength: 5000, multiline: { lines: 2 }, flags: ['partial_lost'] }),
    log(2, { json: { level: 'info', n: 2 } }),
    { ...log(3), origin: { source: 'api' } },
    log(4),
  ];
}

/** A shipper as a collector runs it: batches queued as version 2, zstd unless told otherwise. */
async function shipperTo(url: string, token: string, compression: BatchCompression = 'zstd') {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-wire-'));
  const warnings: string[] = [];
  const queue = new DiskQueue({ dir: join(dir, 'queue'), maxBytes: 64 << 20, maxAgeMs: 3_600_000, fsync: 'off' });
  await queue.start();
  const shipper = new Shipper({
    queue,
    urls: [url],
    token,
    rejectedDir: join(dir, 'rejected'),
    nodeKey: 'wire-node',
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2 },
    requestTimeoutMs: 10_000,
    concurrency: 1,
    log: createLogger({
      name: 't',
      level: 'warn',
      destination: { write: (l: string) => void warnings.push((JSON.parse(l) as { msg: string }).msg) },
    }),
  });
  shipper.start();
  const send = async (batch: WireRecord[]) => {
    await queue.enqueue(await encodeBatchV2(batch, compression), 'logs', batch.length, 2, compression);
    shipper.notify();
    return shipper.drain(20_000);
  };
  return { shipper, send, warnings };
}

test('a zstd version 2 batch is held as the records it carries: the journal reads back as those records', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-wire-agg-'));
  const agg = await startTestAggregator({ es: false, env: { SWARMSCOPE_DATA_DIR: dataDir } });
  const s = await shipperTo(agg.url, agg.token);
  t.teardown(async () => {
    await s.shipper.close();
    await agg.close();
  });
  const batch = records('journal');
  t.true(await s.send(batch));
  t.deepEqual(s.shipper.stats.responses, { 200: 1 });
  const dir = join(dataDir, 'journal');
  const held: WireRecord[] = [];
  for (const name of (await readdir(dir)).sort())
    for await (const c of readSegment(join(dir, name))) held.push(...c.records);
  t.deepEqual(held, batch);
});

test('Elasticsearch documents of a version 2 batch, gzip or zstd, equal those of the same records sent as version 1', async (t) => {
  const v1 = await startTestAggregator();
  const v2 = await startTestAggregator();
  const v2zstd = await startTestAggregator();
  t.teardown(async () => {
    for (const agg of [v1, v2, v2zstd]) {
      await agg.close();
      await deleteIndices(`${agg.indexPrefix}-*`);
    }
  });
  const batch = records('es');
  const post = (agg: typeof v1, type: string, encoding: string, body: Buffer) =>
    fetch(agg.url + INGEST_PATH, {
      method: 'POST',
      headers: { 'content-type': type, 'content-encoding': encoding, authorization: `Bearer ${agg.token}` },
      body: new Uint8Array(body),
      signal: AbortSignal.timeout(30_000),
    });
  t.is((await post(v1, NDJSON, 'gzip', encodeBatch(batch))).status, 200);
  t.is((await post(v2, NDJSON_V2, 'gzip', await encodeBatchV2(batch))).status, 200);
  t.is((await post(v2zstd, NDJSON_V2, 'zstd', await encodeBatchV2(batch, 'zstd'))).status, 200);
  const docs = async (prefix: string) =>
    new Map((await scanAll(`${prefix}-logs-*`)).map((h) => [h._id, h._source] as const));
  const a = await docs(v1.indexPrefix);
  t.is(a.size, batch.length);
  t.deepEqual(await docs(v2.indexPrefix), a);
  t.deepEqual(await docs(v2zstd.indexPrefix), a);
});

/**
 * A stand-in for an older aggregator: takes what `accepts` allows (content type, encoding) and
 * answers 415 otherwise, as the older versions' routes do; records every request decoded.
 */
async function olderAggregator(accepts: (type: string, encoding: string) => boolean) {
  const seen: { type: string; encoding: string; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const type = String(req.headers['content-type']);
      const encoding = String(req.headers['content-encoding']);
      const raw = Buffer.concat(chunks);
      seen.push({ type, encoding, body: encoding === 'zstd' ? zstdDecompressSync(raw) : gunzipSync(raw) });
      if (!accepts(type, encoding)) return void res.writeHead(415).end('{"error":"Unsupported Media Type"}');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const close = async () => {
    await new Promise((r) => server.close(r));
    server.closeAllConnections();
  };
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, close };
}

const asRecords = (b: Buffer) =>
  b
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);

test('an aggregator that predates zstd (415) gets the batch as gzip, and the next ones too', async (t) => {
  const old = await olderAggregator((_type, encoding) => encoding === 'gzip');
  const s = await shipperTo(old.url, 't');
  t.teardown(async () => {
    await s.shipper.close();
    await old.close();
  });
  const first = records('nozstd-1');
  const second = records('nozstd-2');
  t.true(await s.send(first));
  t.true(await s.send(second));
  t.deepEqual(s.shipper.stats.responses, { 200: 2, 415: 1 });
  t.is(s.shipper.stats.rejectedBatches, 0);
  t.deepEqual(
    old.seen.map((x) => `${x.type} ${x.encoding}`),
    [`${NDJSON_V2} zstd`, `${NDJSON_V2} gzip`, `${NDJSON_V2} gzip`],
  );
  t.true(old.seen[1]!.body.equals(old.seen[0]!.body), 'the same batch lines');
  t.deepEqual(s.warnings, ['aggregator does not take zstd batches; sending gzip (upgrade it)']);
});

test('an aggregator that predates version 2 (415) gets the batch as gzip version 1, and the next ones too', async (t) => {
  const old = await olderAggregator((type, encoding) => type === NDJSON && encoding === 'gzip');
  const s = await shipperTo(old.url, 't');
  t.teardown(async () => {
    await s.shipper.close();
    await old.close();
  });
  const first = records('old-1');
  const second = records('old-2');
  t.true(await s.send(first));
  t.true(await s.send(second));
  t.deepEqual(s.shipper.stats.responses, { 200: 2, 415: 2 });
  t.is(s.shipper.stats.rejectedBatches, 0);
  t.deepEqual(
    old.seen.map((x) => `${x.type} ${x.encoding}`),
    [`${NDJSON_V2} zstd`, `${NDJSON_V2} gzip`, `${NDJSON} gzip`, `${NDJSON} gzip`],
  );
  t.deepEqual(asRecords(old.seen[2]!.body), first);
  t.deepEqual(asRecords(old.seen[3]!.body), second);
  t.deepEqual(s.warnings, [
    'aggregator does not take zstd batches; sending gzip (upgrade it)',
    'aggregator does not take batch version 2; sending version 1 (upgrade it)',
  ]);
});
