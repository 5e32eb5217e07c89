// The ingest route against a real aggregator and the real Elasticsearch: acknowledgement codes,
// bounds after decompression, fast 503 while Elasticsearch is unreachable, poison records.
import test from 'ava';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { startTestAggregator } from '../../helpers/aggregator.ts';
import { deleteIndices, scanAll } from '../../helpers/elasticsearch.ts';
import { freePort } from '../../helpers/aggregator-process.ts';
import { encodeBatch, INGEST_PATH, NDJSON, NDJSON_V2 } from '../../../common/wire.ts';
import { recordId } from '../../../common/record-id.ts';
import type { WireRecord } from '../../../common/schema/index.ts';

function line(source: string, seq: number, json?: Record<string, unknown>): WireRecord {
  return {
    kind: 'log',
    id: recordId(source, 'log', seq),
    time: new Date().toISOString(),
    node: { id: '', hostname: source },
    container: { id: 'c'.repeat(64), name: source, image: 'i', labels: {} },
    stream: 'stdout',
    message: `m ${seq}`,
    origin: { source: 'test', offset: seq },
    ...(json ? { json } : {}),
  };
}

function post(url: string, token: string, body: Buffer, headers: Record<string, string> = {}) {
  return fetch(url + INGEST_PATH, {
    method: 'POST',
    headers: { 'content-type': NDJSON, 'content-encoding': 'gzip', authorization: `Bearer ${token}`, ...headers },
    body: new Uint8Array(body),
  });
}

test('a batch with a poison record is acknowledged: the good records are indexed once and the poison one is set aside with its reason', async (t) => {
  const agg = await startTestAggregator();
  t.teardown(async () => {
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  const source = 'poison';
  // A value conflicting with the mapping: log.offset is a long, and a number too big for a long
  // passes the wire schema but is refused by Elasticsearch for that item alone.
  const good = [0, 1, 2, 3].map((i) => line(source, i));
  const poison = { ...line(source, 4), origin: { source: 'test', offset: 2 ** 70 } } as WireRecord;
  const batch = encodeBatch([good[0]!, good[1]!, poison, good[2]!, good[3]!]);
  const res = await post(agg.url, agg.token, batch);
  t.is(res.status, 200);
  t.deepEqual(await res.json(), { accepted: 5, held: 4, setAside: 1 });
  // Sent again (as after a lost answer): still exactly once, still one dead-letter entry.
  t.is((await post(agg.url, agg.token, batch)).status, 200);
  const docs = await scanAll<{ log: { offset: number } }>(`${agg.indexPrefix}-logs-*`);
  t.deepEqual(docs.map((d) => d._source.log.offset).sort(), [0, 1, 2, 3]);
  const dead = await scanAll<{ record_id: string; error_type: string; reason: string }>(
    `${agg.indexPrefix}-deadletter`,
  );
  t.is(dead.length, 1);
  t.is(dead[0]!._source.record_id, poison.id);
  t.is(dead[0]!._source.error_type, 'document_parsing_exception');
});

test('a gzip or zstd body that inflates past the decompressed bound is refused with 413', async (t) => {
  const agg = await startTestAggregator({ es: false, env: { SWARMSCOPE_MAX_DECOMPRESSED_BYTES: '1MiB' } });
  t.teardown(() => agg.close());
  const spaces = Buffer.alloc(8 * 1024 * 1024, 0x20);
  for (const [encoding, bomb] of [
    ['gzip', gzipSync(spaces)],
    ['zstd', zstdCompressSync(spaces)],
  ] as const) {
    t.true(bomb.length < 64 * 1024, 'the compressed body is small');
    const res = await post(agg.url, agg.token, bomb, { 'content-encoding': encoding });
    t.is(res.status, 413, encoding);
    t.is(((await res.json()) as { error: string }).error, 'too_large');
  }
});

test('a zstd batch is taken as a gzip one is; one that does not decode, or holds a second frame, is refused with 400', async (t) => {
  const agg = await startTestAggregator({ es: false });
  t.teardown(() => agg.close());
  const lines = Buffer.from(JSON.stringify(line('z', 0)) + '\n');
  const zstd = { 'content-encoding': 'zstd' };
  const ok = await post(agg.url, agg.token, zstdCompressSync(lines), zstd);
  t.is(ok.status, 200);
  t.deepEqual(await ok.json(), { accepted: 1, held: 1, setAside: 0 });
  const reason = async (res: Response) => {
    t.is(res.status, 400);
    return ((await res.json()) as { reason: string }).reason;
  };
  t.regex(await reason(await post(agg.url, agg.token, gzipSync(lines), zstd)), /zstd body cannot be decompressed/);
  const twoFrames = Buffer.concat([
    zstdCompressSync(lines),
    zstdCompressSync(Buffer.from(JSON.stringify(line('z', 1)) + '\n')),
  ]);
  t.regex(await reason(await post(agg.url, agg.token, twoFrames, zstd)), /follow the first zstd frame/);
});

test('bad token, malformed batch and unknown encoding get 401, 400 and 415', async (t) => {
  const agg = await startTestAggregator({ es: false });
  t.teardown(() => agg.close());
  t.is((await post(agg.url, 'wrong', encodeBatch([line('a', 0)]))).status, 401);
  t.is((await post(agg.url, agg.token, gzipSync('{"kind":"log"}\n'))).status, 400);
  t.is((await post(agg.url, agg.token, encodeBatch([line('a', 0)]), { 'content-encoding': 'br' })).status, 415);
  // An encoding version it does not know is 415 too: a newer collector then sends version 1 (wire-version.test.ts).
  const v3 = { 'content-type': 'application/vnd.swarmscope.batch.v3+ndjson' };
  t.is((await post(agg.url, agg.token, encodeBatch([line('a', 0)]), v3)).status, 415);
  // A version 2 batch with a bad line is refused naming it.
  const res = await post(agg.url, agg.token, gzipSync('[0,"abcdefgh","2026-01-01T00:00:00Z",0,"m"]\n'), {
    'content-type': NDJSON_V2,
  });
  t.is(res.status, 400);
  t.regex(((await res.json()) as { reason: string }).reason, /line 1: log line: \/0 group 0 is not defined/);
});

test('while Elasticsearch is unreachable ingest answers 503 with Retry-After, and the self-report header still updates the node backlog', async (t) => {
  const agg = await startTestAggregator({
    env: { SWARMSCOPE_ES_URL: `http://127.0.0.1:${await freePort()}`, SWARMSCOPE_ES_RETRY_BUDGET: '1s' },
  });
  t.teardown(() => agg.close());
  const report = {
    kind: 'agent',
    id: recordId('n1', 'agent', 1),
    time: new Date().toISOString(),
    node: { id: '', hostname: 'n1' },
    counters: { retries: 7, dropped_records_queue_full: 3 },
    gauges: { queue_bytes: 12345, queue_batches: 9, oldest_unshipped_age_seconds: 42 },
  };
  const answers = await Promise.all(
    [0, 1, 2].map((i) =>
      post(agg.url, agg.token, encodeBatch([line('n1', i)]), { 'x-swarmscope-agent': JSON.stringify(report) }),
    ),
  );
  for (const res of answers) {
    t.is(res.status, 503);
    t.true(Number(res.headers.get('retry-after')) > 0);
  }
  const metrics = await (await fetch(`${agg.url}/metrics`)).text();
  t.regex(metrics, /^swarmscope_collector_queue_bytes\{node="n1",node_id="",instance="n1"\} 12345$/m);
  t.regex(metrics, /^swarmscope_collector_oldest_unshipped_age_seconds\{node="n1",node_id="",instance="n1"\} 42$/m);
  t.regex(
    metrics,
    /^swarmscope_collector_dropped_records_total\{node="n1",node_id="",instance="n1",reason="queue_full"\} 3$/m,
  );
  t.regex(metrics, /^swarmscope_collector_retries_total\{node="n1",node_id="",instance="n1"\} 7$/m);
});
