// 200 simulated collectors against one aggregator (a real child process) with a small in-flight
// bound: the aggregator does not crash, its memory stays bounded, the overflow is answered 429 with
// Retry-After (the collectors see no timeouts), and everything acknowledged is in Elasticsearch.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { esWriterEnv } from '../helpers/env.ts';
import { deleteIndices } from '../helpers/elasticsearch.ts';
import { AggregatorProcess, freePort } from '../helpers/aggregator-process.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';

const SECONDS = Number(process.env.SWARMSCOPE_FAULT_SECONDS ?? 20);
const COLLECTORS = Number(process.env.SWARMSCOPE_FAULT_COLLECTORS ?? 200);

test('200 collectors against one aggregator get 429 with Retry-After, never a timeout, and every record arrives once', async (t) => {
  const run = `many${randomBytes(3).toString('hex')}`;
  const prefix = `swarmscope-t${run}`;
  const token = randomBytes(12).toString('hex');
  const agg = new AggregatorProcess(await freePort(), {
    SWARMSCOPE_TOKEN: token,
    ...esWriterEnv(prefix),
    SWARMSCOPE_MAX_INFLIGHT: '4',
    SWARMSCOPE_MAX_INFLIGHT_BYTES: '32MiB',
  });
  await agg.start();
  const load = new Loadgen({
    urls: [agg.url],
    token,
    collectors: COLLECTORS,
    rate: 2000,
    run,
    fsync: 'off',
    batchMaxAgeMs: 1000,
    retryMaxMs: 2000,
  });
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, agg.rssBytes())), 250);
  t.teardown(async () => {
    clearInterval(sampler);
    await load.close();
    await agg.stop();
    await deleteIndices(`${prefix}-*`);
  });
  await load.start();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  await load.stopGenerating();
  const drained = await load.drain(120_000);
  clearInterval(sampler);
  t.truthy(agg.pid && agg.rssBytes() > 0, 'the aggregator is still running');
  const responses: Record<string, number> = {};
  for (const c of load.collectors)
    for (const [k, v] of Object.entries(c.shipper.stats.responses)) responses[k] = (responses[k] ?? 0) + v;
  t.log(`answers by status ${JSON.stringify(responses)}; aggregator peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  t.true(drained, `every collector drained (${load.queueBytes()} bytes left)`);
  t.is(responses['0'] ?? 0, 0, 'no request went unanswered (no timeout, no reset)');
  t.true((responses['429'] ?? 0) > 0, 'overflow was answered 429');
  t.true(peakRss < 1024 * 2 ** 20, 'aggregator memory stayed bounded');
  const report = await checkExactlyOnce(prefix, load.progress());
  t.deepEqual(
    { missing: report.missing, duplicates: report.duplicates },
    { missing: 0, duplicates: 0 },
    report.examples.join('; '),
  );
});
