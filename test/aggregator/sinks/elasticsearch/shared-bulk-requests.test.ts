// Concurrent batches share `_bulk` requests once the writer's request slots are taken, against the
// real Elasticsearch: fewer requests than batches, each batch still answered with its own outcome
// (one refused record set aside for its batch only), and every record held exactly once.
import test from 'ava';
import { startTestAggregator } from '../../../helpers/aggregator.ts';
import { deleteIndices, scanAll } from '../../../helpers/elasticsearch.ts';
import { recordId } from '../../../../common/record-id.ts';
import type { WireRecord } from '../../../../common/schema/index.ts';
import type { ElasticsearchSink } from '../../../../aggregator/sinks/elasticsearch/sink.ts';

const logLine = (b: number, i: number, offset = b * 1000 + i): WireRecord => ({
  kind: 'log',
  id: recordId('shared-bulk', b, i),
  time: new Date().toISOString(),
  node: { id: '', hostname: `n${b}` },
  container: { id: 'c'.repeat(64), name: 'shared', image: 'i', labels: {} },
  stream: 'stdout',
  message: `batch ${b} line ${i}`,
  origin: { source: 'test', offset },
});

test('concurrent batches share bulk requests, each gets its own outcome, every record is held once', async (t) => {
  const agg = await startTestAggregator({ env: { SWARMSCOPE_ES_BULK_CONCURRENCY: '1' } });
  t.teardown(async () => {
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  const sink = agg.sink as ElasticsearchSink;
  t.deepEqual(await sink.write([logLine(999, 0)], 'warm-up'), { held: 1, setAside: 0 }); // templates installed
  const stats = { ...sink.writer.requests.stats };

  const BATCHES = 40;
  const PER_BATCH = 25;
  const batches = Array.from({ length: BATCHES }, (_, b) => Array.from({ length: PER_BATCH }, (_, i) => logLine(b, i)));
  // An offset past a long: Elasticsearch refuses this one document (mapper_parsing), not its request.
  batches[17]![3] = logLine(17, 3, 2 ** 70);
  const outcomes = await Promise.all(batches.map((records, b) => sink.write(records, `batch-${b}`)));

  outcomes.forEach((o, b) =>
    t.deepEqual(o, b === 17 ? { held: PER_BATCH - 1, setAside: 1 } : { held: PER_BATCH, setAside: 0 }, `batch ${b}`),
  );
  const requests = sink.writer.requests.stats.requests - stats.requests;
  const carried = sink.writer.requests.stats.batches - stats.batches;
  t.log(`${BATCHES} batches (+1 set-aside write) in ${requests} requests`);
  t.is(carried, BATCHES + 1, 'every batch and the set-aside write went in some request');
  t.true(requests < BATCHES, `batches shared requests (${requests} requests for ${BATCHES} batches)`);

  const docs = await scanAll<{ event: { id: string } }>(`${agg.indexPrefix}-logs-*`);
  const ids = docs.map((d) => d._id);
  t.is(new Set(ids).size, ids.length, 'no record twice');
  const expected = new Set([
    recordId('shared-bulk', 999, 0),
    ...batches.flatMap((records, b) => records.filter((_, i) => !(b === 17 && i === 3)).map((r) => r.id)),
  ]);
  t.deepEqual(new Set(ids), expected);
  const deadLetters = await scanAll(`${agg.indexPrefix}-deadletter`);
  t.deepEqual(
    deadLetters.map((d) => d._id),
    [recordId('shared-bulk', 17, 3)],
  );
});
