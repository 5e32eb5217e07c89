// The documents' buffers are reused across batches (aggregator/buffer-pool.ts), against the real
// Elasticsearch: waves of concurrent batches sharing requests, a refused document set aside, and
// messages long and short. Were a buffer given back while a request could still read it, a later
// batch's documents would overwrite it: every document read back must carry its own message and
// offset, and each be held once.
import test from 'ava';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { deleteIndices, scanAll } from '../../../helpers/elasticsearch.ts';
import { recordId } from '../../../../common/record-id.ts';
import type { WireRecord } from '../../../../common/schema/index.ts';
import type { ElasticsearchSink } from '../../../../aggregator/sinks/elasticsearch/sink.ts';

const message = (w: number, b: number, i: number) => `wave ${w} batch ${b} line ${i} ${'m'.repeat((i * 131) % 3000)}`;
const line = (w: number, b: number, i: number, offset = (w * 100 + b) * 1000 + i): WireRecord => ({
  kind: 'log',
  id: recordId('pooled', w, b, i),
  time: new Date().toISOString(),
  node: { id: '', hostname: `n${b}` },
  container: { id: 'c'.repeat(64), name: 'pooled', image: 'i', labels: { wave: String(w) } },
  stream: 'stdout',
  message: message(w, b, i),
  origin: { source: 'test', file: `/var/lib/docker/containers/${'c'.repeat(64)}/x-json.log`, offset },
});

test('documents written into reused buffers arrive each with its own content, once', async (t) => {
  const agg = await startTestAggregator({ env: { SWARMSCOPE_ES_BULK_CONCURRENCY: '1' } });
  t.teardown(async () => {
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  const sink = agg.sink as ElasticsearchSink;
  const WAVES = 4;
  const BATCHES = 6;
  const PER_BATCH = 80;
  const sent: WireRecord[] = [];
  for (let w = 0; w < WAVES; w++) {
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: PER_BATCH }, (_, i) => line(w, b, i)),
    );
    // An offset past a long: Elasticsearch refuses this one document, which is set aside.
    batches[2]![5] = line(w, 2, 5, 2 ** 70);
    const outcomes = await Promise.all(batches.map((records, b) => sink.write(records, `wave-${w}-batch-${b}`)));
    outcomes.forEach((o, b) =>
      t.deepEqual(o, b === 2 ? { held: PER_BATCH - 1, setAside: 1 } : { held: PER_BATCH, setAside: 0 }),
    );
    sent.push(...batches.flatMap((records, b) => records.filter((_, i) => !(b === 2 && i === 5))));
  }
  t.true(sink.buffers.stats.reused > 0, `buffers were reused (${JSON.stringify(sink.buffers.stats)})`);

  const docs = await scanAll<{ message: string; log: { offset: number } }>(`${agg.indexPrefix}-logs-*`);
  t.is(docs.length, sent.length, 'every document once');
  const byId = new Map(docs.map((d) => [d._id, d._source]));
  let wrong = 0;
  for (const r of sent) {
    const doc = byId.get(r.id);
    if (r.kind !== 'log' || doc?.message !== r.message || doc.log.offset !== r.origin.offset) wrong++;
  }
  t.is(wrong, 0, 'each document carries its own message and offset');
  t.is((await scanAll(`${agg.indexPrefix}-deadletter`)).length, WAVES);
});
