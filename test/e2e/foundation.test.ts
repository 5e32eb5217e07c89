// The walking skeleton end to end on real components: a real container's cgroup readings travel
// collector → aggregator → Elasticsearch and /metrics; the wire contract's refusals; an
// Elasticsearch outage; `npm start` on a machine with nothing.
import test from 'ava';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { startTestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { removeContainers, runContainer } from '../helpers/docker.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { startTcpGate } from '../helpers/tcp-gate.ts';
import { waitFor } from '../helpers/wait.ts';
import { esWriterEnv, testEnv } from '../helpers/env.ts';
import { encodeBatch, INGEST_PATH } from '../../common/wire.ts';
import { recordId } from '../../common/record-id.ts';
import type { WireRecord } from '../../common/schema/index.ts';
import { replayJournal } from '../../aggregator/sinks/journal/replay.ts';
import { readSegment } from '../../aggregator/sinks/journal/journal-segments.ts';
import { ElasticsearchSink } from '../../aggregator/sinks/elasticsearch/sink.ts';
import { loadAggregatorConfig } from '../../aggregator/config.ts';
import { createLogger } from '../../common/logger.ts';

const node = { id: 'test-node', hostname: 'test-host' };

function agentRecord(seq: number): WireRecord {
  return {
    kind: 'agent',
    id: recordId('foundation', 'agent', seq),
    time: new Date().toISOString(),
    node,
    counters: { seq },
    gauges: {},
  };
}

async function post(url: string, token: string | undefined, body: Buffer, encoding = 'gzip') {
  const res = await fetch(url + INGEST_PATH, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-ndjson',
      'content-encoding': encoding,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body,
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as Record<string, unknown>,
  };
}

test("a container's cgroup CPU and memory reach Elasticsearch and /metrics under cAdvisor names", async (t) => {
  const agg = await startTestAggregator();
  const col = await startTestCollector(agg);
  const id = await runContainer(['--memory', '64m'], ['sh', '-c', 'while :; do :; done']);
  t.teardown(async () => {
    await removeContainers([id]);
    await col.close();
    await agg.close();
  });
  const metrics = await waitFor(
    async () => {
      const text = await (await fetch(`${agg.url}/metrics`)).text();
      return text.includes(`id="/docker/${id}"`) && text.includes('container_memory_working_set_bytes{')
        ? text
        : undefined;
    },
    { timeoutMs: 90_000, what: 'the container on /metrics' },
  );
  const cpuLine = metrics.split('\n').find((l) => l.startsWith('container_cpu_usage_seconds_total{') && l.includes(id));
  t.truthy(cpuLine, 'container_cpu_usage_seconds_total has the container');
  t.regex(cpuLine!, /name="[^"]+",image="swarmscope-workload:latest"/);
  t.true(Number(cpuLine!.split(' ').pop()) > 0, 'a busy container has used CPU');
  const docs = await waitFor(
    async () => {
      const hits = await scanAll<{ container: { id: string }; docker: { cpu: { total: { seconds: number } } } }>(
        `${agg.indexPrefix}-metrics-*`,
        { term: { 'container.id': id } },
      );
      return hits.length >= 2 ? hits : undefined;
    },
    { timeoutMs: 90_000, what: 'metric documents in Elasticsearch' },
  );
  t.true(docs.every((d) => d._source.container.id === id));
  t.true(docs.some((d) => d._source.docker.cpu.total.seconds > 0));
});

test('ingest refuses a missing token (401) and a malformed batch (400 with its line) and keeps serving good batches', async (t) => {
  const agg = await startTestAggregator();
  t.teardown(() => agg.close());
  const good = encodeBatch([agentRecord(1)]);
  t.is((await post(agg.url, undefined, good)).status, 401);
  t.is((await post(agg.url, 'wrong-token', good)).status, 401);
  const notJson = await post(agg.url, agg.token, gzipSync('{"kind":"agent"\n'));
  t.is(notJson.status, 400);
  t.regex(String(notJson.body.reason), /line 1/);
  const badField = await post(
    agg.url,
    agg.token,
    gzipSync(JSON.stringify({ ...agentRecord(2), time: 'yesterday' }) + '\n'),
  );
  t.is(badField.status, 400);
  t.regex(String(badField.body.reason), /\/time/);
  t.is((await post(agg.url, agg.token, Buffer.from('not gzip'))).status, 400);
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? post(agg.url, agg.token, gzipSync('garbage\n'))
        : post(agg.url, agg.token, encodeBatch([agentRecord(100 + i)])),
    ),
  );
  t.deepEqual(
    results.map((r) => r.status),
    Array.from({ length: 20 }, (_, i) => (i % 2 ? 400 : 200)),
  );
  const metrics = await (await fetch(`${agg.url}/metrics`)).text();
  t.regex(metrics, /swarmscope_ingest_batches_total\{outcome="bad_request"\} 13/);
  t.regex(metrics, /swarmscope_ingest_batches_total\{outcome="unauthorized"\} 2/);
});

test('with Elasticsearch unreachable ingest answers 503 with Retry-After, the collector keeps the batch, and it arrives once when Elasticsearch returns', async (t) => {
  const gate = await startTcpGate(new URL(testEnv.esUrl), false);
  const agg = await startTestAggregator({ env: { SWARMSCOPE_ES_URL: gate.url, SWARMSCOPE_ES_RETRY_BUDGET: '500ms' } });
  t.teardown(async () => {
    await agg.close();
    await gate.stop();
  });
  const refused = await post(agg.url, agg.token, encodeBatch([agentRecord(1)]));
  t.is(refused.status, 503);
  t.truthy(refused.retryAfter);
  t.is((await fetch(`${agg.url}/readyz`)).status, 503);

  const col = await startTestCollector(agg, { SWARMSCOPE_INTERVAL: '500ms' });
  t.teardown(() => col.close());
  const stats = col.agent.shipper.stats;
  await waitFor(() => (col.agent.queue.stats().batches >= 3 && (stats.responses[503] ?? 0) >= 1) || undefined, {
    timeoutMs: 60_000,
    what: 'a 503 answer and batches kept in the collector queue',
  });
  t.true(stats.retries > 0, 'the shipper retried');
  t.is(stats.shippedBatches, 0, 'nothing was acknowledged while Elasticsearch was down');

  gate.open();
  await waitFor(() => col.agent.queue.stats().batches === 0 || undefined, {
    timeoutMs: 180_000,
    what: 'the queue to drain',
  });
  await col.close();
  const hits = await scanAll(`${agg.indexPrefix}-agent-*`);
  const ids = hits.map((h) => h._id);
  t.true(ids.length >= 3);
  t.is(new Set(ids).size, ids.length, 'no record twice');
  const q = col.agent.queue.stats();
  t.deepEqual(
    [q.droppedRecords, col.agent.shipper.stats.rejectedRecords],
    [{ queue_full: 0, expired: 0, rejected: 0 }, 0],
    'nothing queued was dropped or refused: all of it was acknowledged',
  );
});

test('npm start with no Docker engine and no Elasticsearch starts, says so, serves /metrics, and its journal replays into Elasticsearch once', async (t) => {
  const { mkdtemp } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-start-'));
  const env = {
    ...process.env,
    DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    SWARMSCOPE_ES_URL: '',
    SWARMSCOPE_LISTEN: '127.0.0.1:0',
    SWARMSCOPE_DATA_DIR: dataDir,
    SWARMSCOPE_INTERVAL: '500ms',
  };
  const child = spawn(process.execPath, ['bin/swarmscope.ts', 'all'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const metricsUrl = await waitFor(() => /metrics:\s+(\S+)/.exec(out)?.[1], {
    timeoutMs: 30_000,
    what: 'the start-up summary',
  });
  t.regex(out, /docker:\s+none usable/);
  t.regex(out, /no Elasticsearch configured/);
  const metrics = await waitFor(
    async () => {
      const text = await (await fetch(metricsUrl)).text();
      return /swarmscope_ingest_records_total\{kind="agent"\} [2-9]/.test(text) ? text : undefined;
    },
    { timeoutMs: 20_000, what: 'agent records on /metrics' },
  );
  t.regex(metrics, /swarmscope_collector_last_seen_timestamp_seconds/);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  const journaled: string[] = [];
  for await (const c of readSegment(join(dataDir, 'journal', 'journal-000000000001.frames')))
    journaled.push(...c.records.map((r) => r.id));
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: 'x',
    SWARMSCOPE_DATA_DIR: dataDir,
    ...esWriterEnv(`swarmscope-r${Date.now()}`),
  });
  const sink = new ElasticsearchSink(config.elasticsearch!, createLogger({ name: 'test', level: 'error' }));
  await sink.start();
  t.teardown(() => sink.close());
  const result = await replayJournal(join(dataDir, 'journal'), sink);
  t.is(result.records, journaled.length);
  const hits = await scanAll(`${config.elasticsearch!.indexPrefix}-*`);
  t.deepEqual(hits.map((h) => h._id).sort(), [...new Set(journaled)].sort());
});
