// One Elasticsearch node of two killed under load: a private two-node cluster on loopback (security
// on, 512 MB heaps), an aggregator given both URLs with 2 shards and 1 replica per index, and the
// wire-protocol load generator. The data node is SIGKILLed mid-load and started again: every record
// exactly once (full scan), and the cluster back to green with its replicas assigned.
import test from 'ava';
import { Client } from '@elastic/elasticsearch';
import { randomBytes } from 'node:crypto';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startOwnCluster } from '../helpers/own-elasticsearch.ts';
import { Loadgen } from '../helpers/loadgen.ts';
import { checkExactlyOnce } from '../helpers/delivery-oracle.ts';
import { waitFor } from '../helpers/wait.ts';
import { testEnv } from '../helpers/env.ts';

const DOWN_SECONDS = Number(process.env.SWARMSCOPE_NODE_DOWN_SECONDS ?? 10);

test('an Elasticsearch node killed under load loses and duplicates nothing, and the cluster returns to green with 1 replica', async (t) => {
  // Three Elasticsearch starts: minutes each on a busy 2-core machine.
  t.timeout(600_000);
  const cluster = await startOwnCluster(2);
  t.teardown(() => cluster.remove());
  const agg = await startTestAggregator({
    env: {
      SWARMSCOPE_ES_URL: cluster.urls.join(','),
      SWARMSCOPE_ES_USERNAME: testEnv.esUsername,
      SWARMSCOPE_ES_PASSWORD: testEnv.esPassword,
      SWARMSCOPE_ES_SHARDS: '2',
      SWARMSCOPE_ES_REPLICAS: '1',
      SWARMSCOPE_ES_RETRY_BUDGET: '2s',
    },
  });
  t.teardown(() => agg.close());
  const admin = new Client({
    nodes: cluster.urls,
    auth: { username: testEnv.esAdminUsername, password: testEnv.esAdminPassword },
    requestTimeout: 60_000,
  });
  t.teardown(() => admin.close());
  const load = new Loadgen({
    urls: [agg.url],
    token: agg.token,
    collectors: 2,
    rate: 300,
    metricShare: 0.2,
    run: `nodelost${randomBytes(3).toString('hex')}`,
    retryMaxMs: 1000,
  });
  t.teardown(() => load.close());
  const index = `${agg.indexPrefix}-*`;
  const health = async (wait: 'green' | 'yellow') =>
    (await admin.cluster.health({ index, wait_for_status: wait, timeout: '5s' })).status;

  await load.start();
  // Both indices exist and every replica is assigned before the node goes: a write acknowledged
  // from then on is on both nodes.
  await waitFor(
    async () =>
      (await admin.indices.exists({ index: `${agg.indexPrefix}-logs-*`, allow_no_indices: false })) &&
      (await admin.indices.exists({ index: `${agg.indexPrefix}-agent-*`, allow_no_indices: false })) &&
      (await health('green')) === 'green'
        ? true
        : undefined,
    { timeoutMs: 120_000, intervalMs: 1000, what: 'the indices green on two nodes' },
  );
  await new Promise((r) => setTimeout(r, 3000));

  const [, data] = cluster.nodes;
  await data!.kill();
  const killedAt = Date.now();
  t.is(await health('yellow'), 'yellow', 'one node lost: replicas unassigned, every primary served');
  await new Promise((r) => setTimeout(r, Math.max(0, killedAt + DOWN_SECONDS * 1000 - Date.now())));
  const generatedWhileDown = load.generated();

  await data!.start();
  await new Promise((r) => setTimeout(r, 2000));
  await load.stopGenerating();
  t.true(await load.drain(180_000), 'the collectors drained');
  const green = await waitFor(async () => ((await health('green')) === 'green' ? true : undefined), {
    timeoutMs: 180_000,
    intervalMs: 1000,
    what: 'the cluster green again',
  }).catch(() => false);
  t.true(green, 'green again once the node is back');

  const settings = await admin.indices.getSettings({ index, name: 'index.number_of_replicas' });
  const replicas = Object.fromEntries(
    Object.entries(settings).map(([name, s]) => [name, s.settings?.index?.number_of_replicas]),
  );
  t.true(Object.keys(replicas).length >= 2);
  for (const [name, n] of Object.entries(replicas)) t.is(String(n), '1', name);
  const shards = await admin.cat.shards({ index, format: 'json', h: 'index,prirep,state,node' });
  t.true(
    shards.every((s) => s.state === 'STARTED'),
    JSON.stringify(shards.filter((s) => s.state !== 'STARTED')),
  );
  t.is(new Set(shards.map((s) => s.node)).size, 2, 'shards on both nodes');

  const report = await checkExactlyOnce(agg.indexPrefix, load.progress(), admin);
  t.log(
    `${report.expected} records (${generatedWhileDown} generated before the node came back), node down ${DOWN_SECONDS} s, answers ${JSON.stringify(load.collectors[0]!.shipper.stats.responses)}`,
  );
  t.deepEqual(
    { missing: report.missing, duplicates: report.duplicates, unexpected: report.unexpected },
    { missing: 0, duplicates: 0, unexpected: 0 },
    report.examples.join('; '),
  );
  t.is(report.found, report.expected);
});
