// The aggregator applied the write but its answer never reached the collector (a fault proxy,
// a fake, cuts the connection after the aggregator's complete response): the collector sends the
// batch again and Elasticsearch's create-by-id absorbs it, so nothing is duplicated.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { deleteIndices } from '../helpers/elasticsearch.ts';
import { startFaultProxy } from '../helpers/fault-proxy.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';
import { waitFor } from '../helpers/wait.ts';
import type { ElasticsearchSink } from '../../aggregator/sinks/elasticsearch/sink.ts';

test('a batch whose acknowledgement was lost after the write is sent again and stored only once', async (t) => {
  const agg = await startTestAggregator();
  const proxy = await startFaultProxy(agg.url);
  const load = new Loadgen({
    urls: [proxy.url],
    token: agg.token,
    collectors: 2,
    rate: 400,
    run: `lost${randomBytes(3).toString('hex')}`,
    retryMaxMs: 500,
  });
  t.teardown(async () => {
    await load.close();
    await proxy.stop();
    await agg.close();
    await deleteIndices(`${agg.indexPrefix}-*`);
  });
  proxy.cutResponses(6);
  await load.start();
  await waitFor(() => proxy.cut() >= 6, { timeoutMs: 60_000, what: 'six answers cut after the write' });
  await new Promise((r) => setTimeout(r, 2000));
  await load.stopGenerating();
  t.true(await load.drain(60_000), 'collectors drained');
  const report = await checkExactlyOnce(agg.indexPrefix, load.progress());
  t.deepEqual(
    { missing: report.missing, duplicates: report.duplicates },
    { missing: 0, duplicates: 0 },
    report.examples.join('; '),
  );
  t.true(report.expected > 0);
  const lostAnswers = load.collectors.reduce((n, c) => n + (c.shipper.stats.responses['0'] ?? 0), 0);
  t.is(lostAnswers, 6, 'the collectors saw six requests without an answer');
  t.true(
    (agg.sink as ElasticsearchSink).writer.counters.duplicate > 0,
    'the re-sent records were recognised as already held (409)',
  );
});
