// The exposition engine on a real aggregator app (inject, no listener): its text parses as
// Prometheus' own tool reads it, every node and container series carries node, node_id and
// instance, gzip is served when accepted, and ?node= / ?part=replica narrow what is rendered.
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { buildApp } from '../../../../aggregator/app.ts';
import { loadAggregatorConfig } from '../../../../aggregator/config.ts';
import { createLogger } from '../../../../common/logger.ts';
import { containerRecord, hostRecord, simulatedNodeId } from '../../../helpers/fleet-records.ts';

async function promtoolCheck(text: string): Promise<string> {
  const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.end(text);
  await new Promise((resolve) => child.on('close', resolve));
  return out;
}

async function app(t: ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), 'swarmscope-exposition-'));
  const config = loadAggregatorConfig({ SWARMSCOPE_TOKEN: 'x'.repeat(16), SWARMSCOPE_DATA_DIR: dir });
  const agg = await buildApp(config, createLogger({ name: 'test', level: 'silent' }));
  t.teardown(async () => {
    await agg.app.close();
    await rm(dir, { recursive: true, force: true });
  });
  const now = new Date();
  for (const name of ['alpha', 'beta']) {
    const node = { id: simulatedNodeId(name), hostname: name };
    agg.state.apply([hostRecord(node, 1, now), ...[0, 1, 2].map((i) => containerRecord(node, i, 1, now))]);
  }
  // A node outside any swarm: its instance is its host name.
  agg.state.apply([containerRecord({ id: '', hostname: 'solo"host' }, 0, 1, now)]);
  return agg;
}

test('the text parses with promtool and every node and container series carries node, node_id and instance', async (t) => {
  const { app: fastify } = await app(t);
  const res = await fastify.inject({ method: 'GET', url: '/metrics' });
  t.is(res.statusCode, 200);
  t.regex(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const problems = await promtoolCheck(res.body);
  t.notRegex(problems, /error|parsing/i, problems.slice(0, 500));
  const alpha = simulatedNodeId('alpha');
  const lines = res.body.split('\n').filter((l) => l.startsWith('container_') || l.startsWith('node_'));
  t.true(lines.length > 100);
  for (const l of lines)
    for (const name of ['node', 'node_id', 'instance'])
      t.regex(l, new RegExp(`[{,]${name}="(?:[^"\\\\]|\\\\.)*"[,}]`), `${name} on ${l.slice(0, 200)}`);
  t.true(lines.some((l) => l.includes(`node="alpha",node_id="${alpha}",instance="${alpha}"`)));
  t.true(lines.some((l) => l.includes('node="solo\\"host",node_id="",instance="solo\\"host"')));
  t.is(res.body.match(/^container_memory_usage_bytes\{[^}]*id="\/docker\//gm)?.length, 7);
});

test('gzip is served when accepted; ?node= renders one node only and ?part=replica none', async (t) => {
  const { app: fastify } = await app(t);
  const plain = await fastify.inject({ method: 'GET', url: '/metrics?part=nodes' });
  const gz = await fastify.inject({
    method: 'GET',
    url: '/metrics?part=nodes',
    headers: { 'accept-encoding': 'gzip' },
  });
  t.is(gz.headers['content-encoding'], 'gzip');
  t.is(gunzipSync(gz.rawPayload).toString(), plain.body);
  t.true(gz.rawPayload.length * 5 < plain.rawPayload.length, `${gz.rawPayload.length} of ${plain.rawPayload.length}`);
  const beta = simulatedNodeId('beta');
  const one = (await fastify.inject({ method: 'GET', url: `/metrics?node=${beta}` })).body;
  t.deepEqual([...new Set([...one.matchAll(/[{,]instance="([^"]*)"/g)].map((m) => m[1]))], [beta]);
  t.notRegex(one, /swarmscope_aggregator_|swarmscope_ingest_/);
  const replica = (await fastify.inject({ method: 'GET', url: '/metrics?part=replica' })).body;
  t.notRegex(replica, /[{,]instance="/);
  t.regex(replica, /^swarmscope_ingest_batches_total|^# HELP swarmscope_aggregator_/m);
});

test('a gzip body is one gzip member per rendered piece, and an empty text one empty member', async (t) => {
  const { app: fastify, state, exposition } = await app(t);
  // Enough containers on one node for its text to span several pieces of at most CHUNK_BYTES.
  const node = { id: simulatedNodeId('gamma'), hostname: 'gamma' };
  const now = new Date();
  state.apply(Array.from({ length: 20 }, (_, i) => containerRecord(node, i, 1, now)));
  const pieces = [...(await exposition.render({ node: node.id }))];
  t.true(pieces.length > 1, `${pieces.length} pieces`);
  const gz = await fastify.inject({
    method: 'GET',
    url: `/metrics?node=${node.id}`,
    headers: { 'accept-encoding': 'gzip' },
  });
  t.deepEqual(gz.rawPayload, Buffer.concat(pieces.map((p) => gzipSync(p, { level: constants.Z_BEST_SPEED }))));
  t.is(gunzipSync(gz.rawPayload).toString(), Buffer.concat(pieces).toString());
  const empty = await fastify.inject({
    method: 'GET',
    url: '/metrics?node=nowhere',
    headers: { 'accept-encoding': 'gzip' },
  });
  t.is(empty.headers['content-encoding'], 'gzip');
  t.deepEqual(empty.rawPayload, gzipSync(Buffer.alloc(0)));
});

test('http_sd lists every node as a target of this replica, and the replica itself', async (t) => {
  const { app: fastify } = await app(t);
  const res = await fastify.inject({ method: 'GET', url: '/api/v1/targets', headers: { host: 'agg.example:9280' } });
  const groups = res.json() as Array<{ targets: string[]; labels: Record<string, string> }>;
  const nodes = groups.filter((g) => g.labels.__param_node).map((g) => g.labels.__param_node);
  t.deepEqual(nodes.sort(), [simulatedNodeId('alpha'), simulatedNodeId('beta'), 'solo"host'].sort());
  for (const g of groups) t.deepEqual(g.targets, ['agg.example:9280']);
  t.is(groups.filter((g) => g.labels.__param_part === 'replica').length, 1);
});
