// Elasticsearch stopped under load, then started again: a private Elasticsearch (the shared one
// serves other tests) behind a real aggregator. Collectors with room buffer and then drain: every
// record exactly once, the backlog visible in /metrics meanwhile. A collector whose disk bound is
// reached applies the documented policy: log reading pauses (no line lost), metric batches are
// dropped oldest first, and what is missing is exactly what its drop counter says.
// Scaled for the suite (SWARMSCOPE_OUTAGE_SECONDS, default 20); bench/delivery.ts runs 2 minutes.
import test from 'ava';
import { Client } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startOwnElasticsearch } from '../helpers/own-elasticsearch.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';
import { waitFor } from '../helpers/wait.ts';
import { testEnv } from '../helpers/env.ts';

const OUTAGE_SECONDS = Number(process.env.SWARMSCOPE_OUTAGE_SECONDS ?? 20);

function series(metrics: string, name: string, node: string): number | undefined {
  const m = new RegExp(`^${name}\\{node="${node}"[^}]*\\} (\\S+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : undefined;
}

test('an Elasticsearch outage under load loses and duplicates nothing; at the disk bound only the counted metric batches are missing', async (t) => {
  const es = await startOwnElasticsearch();
  const agg = await startTestAggregator({
    env: {
      SWARMSCOPE_ES_URL: es.url,
      SWARMSCOPE_ES_USERNAME: testEnv.esUsername,
      SWARMSCOPE_ES_PASSWORD: testEnv.esPassword,
      SWARMSCOPE_ES_RETRY_BUDGET: '2s',
    },
  });
  const id = randomBytes(3).toString('hex');
  const roomy = new Loadgen({
    urls: [agg.url],
    token: agg.token,
    collectors: 2,
    rate: 500,
    run: `roomy${id}`,
    retryMaxMs: 1000,
  });
  const bounded = new Loadgen({
    urls: [agg.url],
    token: agg.token,
    collectors: 1,
    rate: 200,
    metricShare: 0.5,
    queueMaxBytes: 32 * 1024,
    batchMaxRecords: 100,
    run: `bound${id}`,
    retryMaxMs: 1000,
  });
  t.teardown(async () => {
    await roomy.close();
    await bounded.close();
    await agg.close();
    await es.remove();
  });
  await roomy.start();
  await bounded.start();
  await new Promise((r) => setTimeout(r, 3000));

  await es.stop();
  const stoppedAt = Date.now();
  const node = `roomy${id}-c0`;
  // The backlog shows in /metrics while nothing can be acknowledged (self-report header).
  const backlog = await waitFor(
    async () => {
      const text = await (await fetch(`${agg.url}/metrics`)).text();
      const bytes = series(text, 'swarmscope_collector_queue_bytes', node) ?? 0;
      return bytes > 20_000 && (series(text, 'swarmscope_collector_oldest_unshipped_age_seconds', node) ?? 0) > 2
        ? text
        : undefined;
    },
    { timeoutMs: OUTAGE_SECONDS * 1000 + 30_000, what: 'the backlog in /metrics' },
  );
  t.true((series(backlog, 'swarmscope_collector_queue_batches', node) ?? 0) > 1);
  await new Promise((r) => setTimeout(r, Math.max(0, stoppedAt + OUTAGE_SECONDS * 1000 - Date.now())));
  t.true(bounded.collectors[0]!.queue.stats().atBound, 'the bounded collector reached its disk bound');
  const backlogBytes = roomy.queueBytes();

  await es.start();
  const restartedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  await roomy.stopGenerating();
  await bounded.stopGenerating();
  const watch = setInterval(
    () =>
      t.log(
        `draining: ${roomy.queueBytes()} + ${bounded.queueBytes()} bytes queued, answers ${JSON.stringify(roomy.collectors[0]!.shipper.stats.responses)}`,
      ),
    5000,
  );
  t.true(await roomy.drain(120_000), 'the roomy collectors drained');
  clearInterval(watch);
  t.true(await bounded.drain(120_000), 'the bounded collector drained');
  t.log(
    `outage ${((restartedAt - stoppedAt) / 1000).toFixed(0)} s, backlog ${(backlogBytes / 1024).toFixed(0)} KiB, drained ${((Date.now() - restartedAt) / 1000).toFixed(1)} s after Elasticsearch was back`,
  );

  const admin = new Client({
    node: es.url,
    auth: { username: testEnv.esAdminUsername, password: testEnv.esAdminPassword },
  });
  t.teardown(() => admin.close());
  const all = await checkExactlyOnce(agg.indexPrefix, roomy.progress(), admin);
  t.deepEqual(
    { missing: all.missing, duplicates: all.duplicates },
    { missing: 0, duplicates: 0 },
    all.examples.join('; '),
  );
  const b = await checkExactlyOnce(agg.indexPrefix, bounded.progress(), admin);
  const dropped = bounded.collectors[0]!.queue.stats().droppedRecords;
  t.log(
    `bounded collector: ${b.expected} records, ${dropped.queue_full} metric records dropped at the bound, ${bounded.collectors[0]!.queue.stats().refusedLogBatches} log refusals`,
  );
  t.is(b.missingByKind.logs, 0, 'no log line lost at the bound');
  t.true(dropped.queue_full > 0, 'metric batches were dropped at the bound');
  t.is(b.missingByKind.metrics, dropped.queue_full, 'missing metric records == the drop counter');
  t.is(b.duplicates, 0);
  t.is(dropped.expired + dropped.rejected, 0);
});
