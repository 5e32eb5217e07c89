// `_bulk` bodies go to the real Elasticsearch compressed as SWARMSCOPE_ES_COMPRESSION says: deflate
// (the default), gzip or none. Each is sent with its Content-Encoding, for a small body (compressed
// on the event loop) and a large one (on the thread pool), and every document is indexed as written.
import test from 'ava';
import { inflateSync, gunzipSync } from 'node:zlib';
import { loadAggregatorConfig } from '../../../../aggregator/config.ts';
import type { ElasticsearchSink } from '../../../../aggregator/sinks/elasticsearch/sink.ts';
import { recordId } from '../../../../common/record-id.ts';
import type { WireRecord } from '../../../../common/schema/index.ts';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { deleteIndices, scanAll } from '../../../helpers/elasticsearch.ts';

const line = (tag: string, b: number, i: number): WireRecord => ({
  kind: 'log',
  id: recordId('compression', tag, b, i),
  time: new Date().toISOString(),
  node: { id: '', hostname: 'n1' },
  container: { id: 'c'.repeat(64), name: 'compression', image: 'i', labels: {} },
  stream: 'stdout',
  // Distinct text per line, some of it not ASCII, so a body that decoded wrong could not match.
  message: `${tag} batch ${b} line ${i} ✓ ${String(i * 7919).repeat(1 + (i % 40))}`,
  origin: { source: 'json-file', file: `/f/${tag}`, offset: b * 100_000 + i * 300 },
});

const decode: Record<string, (b: Buffer) => Buffer> = {
  deflate: (b) => inflateSync(b),
  gzip: (b) => gunzipSync(b),
  none: (b) => b,
};

for (const compression of ['deflate', 'gzip', 'none'] as const) {
  test.serial(`SWARMSCOPE_ES_COMPRESSION=${compression}: small and large bodies are indexed whole`, async (t) => {
    const env: Record<string, string> = compression === 'deflate' ? {} : { SWARMSCOPE_ES_COMPRESSION: compression };
    const agg = await startTestAggregator({ env });
    t.teardown(async () => {
      await agg.close();
      await deleteIndices(`${agg.indexPrefix}-*`);
    });
    const sink = agg.sink as ElasticsearchSink;
    const sent: Array<{ encoding: string | undefined; bytes: number; text: number }> = [];
    sink.client.diagnostic.on('request', (_err, result) => {
      const params = result?.meta.request.params;
      if (!params?.path.endsWith('/_bulk')) return;
      const encoding = params.headers?.['content-encoding'] as string | undefined;
      const body = params.body as Buffer;
      sent.push({ encoding, bytes: body.length, text: decode[encoding ?? 'none']!(body).length });
    });
    // 10 lines (a few KiB) and 6,000 (several MiB, past the thread-pool threshold).
    const batches = [10, 6000].map((n, b) => Array.from({ length: n }, (_, i) => line(compression, b, i)));
    for (const [b, records] of batches.entries())
      t.deepEqual(await sink.write(records, `batch-${b}`), { held: records.length, setAside: 0 });

    t.true(sent.length >= 2);
    for (const s of sent) {
      t.is(s.encoding, compression === 'none' ? undefined : compression);
      if (compression !== 'none') t.true(s.bytes < s.text / 4, `compressed: ${s.bytes} of ${s.text} bytes`);
    }
    t.true(
      sent.some((s) => s.text > 1024 * 1024),
      'a body past the thread-pool threshold was sent',
    );
    const docs = await scanAll<{ message: string }>(`${agg.indexPrefix}-logs-*`);
    const want = new Map(batches.flat().map((r) => [r.id, (r as { message: string }).message]));
    t.is(docs.length, want.size);
    t.true(
      docs.every((d) => want.get(d._id) === d._source.message),
      'every document as written',
    );
  });
}

test('an unknown SWARMSCOPE_ES_COMPRESSION is refused at start with the values it takes', (t) => {
  const err = t.throws(() =>
    loadAggregatorConfig({
      SWARMSCOPE_TOKEN: 't0ken',
      SWARMSCOPE_ES_URL: 'http://127.0.0.1:9200',
      SWARMSCOPE_ES_COMPRESSION: 'br',
    }),
  ) as Error & { code: string };
  t.is(err.code, 'AGG_ERR_CONFIG');
  t.regex(err.message, /SWARMSCOPE_ES_COMPRESSION=br: expected deflate, gzip, none/);
  t.is(
    loadAggregatorConfig({ SWARMSCOPE_TOKEN: 't', SWARMSCOPE_ES_URL: 'http://a:1' }).elasticsearch?.compression,
    'deflate',
  );
});
