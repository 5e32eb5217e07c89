// The whole cluster from any replica: two aggregator replicas (journal sinks), each fed a different
// node by its own "collector" (records posted to ingest), peers of each other. Either one's UI shows
// both nodes and their containers with each part's freshness, a container's history and logs from
// the other replica (search and live tail), and plainly says when a peer stops answering.
import test from 'ava';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildApp, type Aggregator } from '../../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../../aggregator/config.ts';
import { createLogger } from '../../../common/logger.ts';
import type { ContainerMetricRecord, LogRecord, WireRecord } from '../../../common/schema/index.ts';
import { INGEST_PATH, NDJSON } from '../../../common/wire.ts';
import { signIn, within } from '../../helpers/ui.ts';

const TOKEN = 'replica-shared-token-0123';

async function freePort(): Promise<number> {
  const srv = createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  return port;
}

async function replica(port: number, peer: number): Promise<Aggregator & { url: string }> {
  const config = loadAggregatorConfig({
    SWARMSCOPE_TOKEN: TOKEN,
    SWARMSCOPE_DATA_DIR: await mkdtemp(join(tmpdir(), 'swarmscope-replica-')),
    // The replica set ownership uses (common/replica-set.ts); the UI asks its other members.
    SWARMSCOPE_REPLICAS: `http://127.0.0.1:${port},http://127.0.0.1:${peer}`,
    SWARMSCOPE_REPLICA_URL: `http://127.0.0.1:${port}`,
  });
  const agg = await buildApp(config, createLogger({ name: 'replica', level: 'silent' }));
  await agg.app.listen({ host: '127.0.0.1', port });
  return { ...agg, url: `http://127.0.0.1:${port}` };
}

const nodeOf = (n: number) => ({ id: `node${n}`.padEnd(25, 'x'), hostname: `host-${n}` });
const containerOf = (n: number) => `c${n}`.padEnd(64, '0');

function metric(n: number, tick: number): ContainerMetricRecord {
  return {
    kind: 'metric',
    scope: 'container',
    id: `m-${n}-${tick}-xxxx`,
    time: new Date().toISOString(),
    node: nodeOf(n),
    container: {
      id: containerOf(n),
      name: `app-${n}`,
      image: 'img:1',
      labels: { 'com.docker.swarm.service.name': 'app' },
    },
    state: { status: 'running', health: 'healthy', restartCount: 0 },
    cpu: { usageSeconds: tick },
    memory: { usageBytes: 2e6, workingSetBytes: 1e6 + tick },
    rates: { windowSeconds: 1, onlineCpus: 2, cpuTotal: 0.25 * n },
  };
}

function log(n: number, message: string): LogRecord {
  return {
    kind: 'log',
    id: `log-${n}-${message}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    time: new Date().toISOString(),
    node: nodeOf(n),
    container: {
      id: containerOf(n),
      name: `app-${n}`,
      image: 'img:1',
      labels: { 'com.docker.swarm.service.name': 'app' },
    },
    stream: 'stdout',
    message,
    origin: { source: 'test' },
  };
}

async function send(url: string, records: WireRecord[]): Promise<void> {
  const res = await fetch(`${url}${INGEST_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': NDJSON, 'content-encoding': 'gzip' },
    body: gzipSync(records.map((r) => JSON.stringify(r)).join('\n')),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`ingest ${res.status}: ${await res.text()}`);
}

const api = async <T>(url: string, path: string) =>
  (await (
    await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(30_000) })
  ).json()) as T;

test('either replica shows both nodes, history and logs of the other, and a peer that stops answering', async (t) => {
  t.timeout(300_000); // a shared machine under load: Chromium and two servers
  const [pa, pb] = [await freePort(), await freePort()];
  const a = await replica(pa, pb);
  const b = await replica(pb, pa);
  let bClosed = false;
  // Registered before signing in: a failed sign-in must still close both servers.
  t.teardown(async () => {
    await a.app.close();
    if (!bClosed) await b.app.close();
  });
  const ui = await signIn(a.url, TOKEN);
  t.teardown(() => ui.close());
  for (let tick = 1; tick <= 3; tick++) {
    await send(a.url, [metric(1, tick)]);
    await send(b.url, [metric(2, tick)]);
    await new Promise((r) => setTimeout(r, 1100));
  }
  await send(b.url, [log(2, 'searchable-on-b')]);

  type View = {
    nodes: Array<{ hostname: string; replica: string }>;
    containers: Array<{ id: string }>;
    parts: Array<{ replica: string; ok: boolean; nodes: number }>;
  };
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const v = await api<View>(self.url, '/ui/api/cluster');
    t.deepEqual(
      v.nodes.map((n) => n.hostname),
      ['host-1', 'host-2'],
      `${self.url} shows both nodes`,
    );
    t.deepEqual(v.containers.map((c) => c.id).sort(), [containerOf(1), containerOf(2)]);
    t.deepEqual(
      v.parts.map((p) => [p.ok, p.nodes]),
      [
        [true, 1],
        [true, 1],
      ],
    );
    t.is(v.parts[1]!.replica, other.url, 'the peer part is named by its URL (this replica is not asked)');
  }
  // History and logs held by the other replica.
  const h = await api<{ t: number[]; cpu: number[] }>(a.url, `/ui/api/history?focus=container:${containerOf(2)}`);
  t.is(h.t.length, 3);
  t.is(h.cpu[0], 0.5);
  const found = await api<{ lines: Array<{ message: string }> }>(a.url, '/ui/api/logs?q=searchable-on-b');
  t.deepEqual(
    found.lines.map((l) => l.message),
    ['searchable-on-b'],
    "the other replica's journal is searched too",
  );

  // In the browser: A's cluster page lists both parts; a live tail on A shows a line B accepts.
  const cluster = await ui.open('/');
  await within(
    5_000,
    'both nodes on the cluster page',
    async () => (await cluster.locator('tr[data-node]').count()) === 2,
  );
  t.is(await cluster.locator('.part.ok').count(), 2);
  const tail = await ui.open(`/logs?container=${containerOf(2)}&tail=1`);
  await tail.waitForSelector('[data-tail="live"]');
  await within(5_000, 'the searched line on the tail', async () =>
    (await tail.locator('.line .msg').allTextContents()).includes('searchable-on-b'),
  );
  await new Promise((r) => setTimeout(r, 500)); // the peer's part/tail stream is open
  await send(b.url, [log(2, 'live-from-b')]);
  await within(5_000, "B's new line on A's tail", async () =>
    (await tail.locator('.line .msg').allTextContents()).includes('live-from-b'),
  );

  // B stops: A says so and still shows its own part.
  await b.app.close();
  bClosed = true;
  await within(
    10_000,
    'the silent replica in the attention list',
    async () => (await cluster.locator('.attention li[data-kind="replica"]').count()) === 1,
  );
  t.is(await cluster.locator('.part.bad').count(), 1);
  t.is(await cluster.locator('tr[data-node]').count(), 1);
});
