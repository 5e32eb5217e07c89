// The stack's collector and aggregator services, taken from stack/swarmscope.yml and deployed with
// `docker stack deploy` on a private swarm of real dockerd nodes (test-swarm.ts): one collector
// task per node, every node's data in Elasticsearch and on /metrics, a joining node covered
// without a redeploy, and an aggregator rolling update under log load that loses no line.
// Test-only changes to the services, and why: host networking (no IPVS here, and the network rule
// allows only our own veth addresses), so two aggregator replicas sit on different nodes and update
// stop-first (two tasks of one node cannot share the host port); collectors list both replicas.
// Elasticsearch is the shared test instance, reached through a forwarder on our bridge address.
import test from 'ava';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { buildProjectImage, sourceDigest } from '../../stack/build-image.ts';
import { scanAll, deleteIndices } from '../helpers/elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';
import { waitFor } from '../helpers/wait.ts';
import { TestSwarm, type SwarmNode } from './test-swarm.ts';

const exec = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = join(repoRoot, '.cache', 'stack');
const STACK = 'ss';
const LINES = 3000;

async function shared(args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, {
    env: { ...process.env, DOCKER_HOST: testEnv.dockerHost },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 600_000,
  });
  return stdout.trim();
}

/** The project and workload images as one tarball, built once per source digest. */
async function imagesTarball(): Promise<{ file: string; tag: string }> {
  const file = join(cacheDir, `images-${await sourceDigest()}.tar`);
  const tag = await buildProjectImage({ dockerHost: testEnv.dockerHost });
  if (!existsSync(file)) {
    await mkdir(cacheDir, { recursive: true });
    await shared(['save', '-o', `${file}.tmp`, tag, testEnv.workloadImage]);
    await exec('mv', [`${file}.tmp`, file]);
  }
  return { file, tag };
}

/** Forwards our bridge address to the shared Elasticsearch on loopback (the nodes cannot see host loopback). */
async function esForwarder(bindIp: string): Promise<{ server: Server; url: string }> {
  const target = new URL(testEnv.esUrl);
  const server = createServer((c) => {
    const up = createConnection({ host: target.hostname, port: Number(target.port) });
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(0, bindIp, r));
  return { server, url: `http://${bindIp}:${(server.address() as { port: number }).port}` };
}

/** collector + aggregator exactly as stack/swarmscope.yml defines them, with the test changes above. */
async function testStackFile(opts: { aggregatorIps: string[]; esUrl: string; prefix: string }): Promise<string> {
  const { stdout } = await exec('docker', ['stack', 'config', '-c', 'swarmscope.yml'], {
    cwd: join(repoRoot, 'stack'),
  });
  const full = parse(stdout) as {
    services: Record<
      string,
      Record<string, unknown> & { environment: Record<string, string>; deploy: Record<string, unknown> }
    >;
  };
  const { collector, aggregator } = full.services as Record<string, (typeof full.services)[string]>;
  for (const s of [collector!, aggregator!]) s.networks = ['hostnet'];
  // The test nodes' dockerd runs in a mount namespace with private propagation, where Docker refuses an
  // rslave bind of the host root; real hosts (systemd) share / and keep the stack file's rslave.
  for (const v of collector!.volumes as Array<{ bind?: { propagation?: string } }>) delete v.bind?.propagation;
  Object.assign(collector!.environment, {
    SWARMSCOPE_AGGREGATOR_URL: opts.aggregatorIps.map((ip) => `http://${ip}:9280`).join(','),
    SWARMSCOPE_INTERVAL: '2s',
    SWARMSCOPE_RETRY_MAX: '2s',
  });
  Object.assign(aggregator!.environment, {
    // Host networking has no tasks.<service> DNS: the replicas are listed.
    SWARMSCOPE_REPLICAS: opts.aggregatorIps.map((ip) => `http://${ip}:9280`).join(','),
    SWARMSCOPE_ES_URL: opts.esUrl,
    SWARMSCOPE_ES_USERNAME: testEnv.esUsername,
    SWARMSCOPE_ES_INDEX_PREFIX: opts.prefix,
  });
  aggregator!.deploy = {
    ...aggregator!.deploy,
    replicas: opts.aggregatorIps.length,
    placement: { ...(aggregator!.deploy.placement as object), max_replicas_per_node: 1 },
    update_config: { ...(aggregator!.deploy.update_config as object), order: 'stop-first', delay: '2s', monitor: '5s' },
  };
  return stringify({
    version: '3.9',
    services: { collector, aggregator },
    networks: { hostnet: { external: true, name: 'host' } },
    volumes: { 'collector-data': {}, 'aggregator-data': {} },
    secrets: {
      swarmscope_token: { external: true },
      swarmscope_es_password: { external: true },
      swarmscope_read_token: { external: true },
    },
  });
}

type Task = { node: string; state: string };
async function runningTasks(swarm: TestSwarm, service: string): Promise<Task[]> {
  const out = await swarm.docker(swarm.manager, [
    'service',
    'ps',
    `${STACK}_${service}`,
    '--filter',
    'desired-state=running',
    '--format',
    '{{.Node}} {{.CurrentState}}',
  ]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => ({ node: l.split(' ')[0]!, state: l.split(' ')[1]! }));
}

async function metricsText(ips: string[], readToken: string): Promise<string> {
  const bodies = await Promise.all(
    ips.map((ip) =>
      fetch(`http://${ip}:9280/metrics`, { headers: { authorization: `Bearer ${readToken}` } })
        .then((r) => r.text())
        .catch(() => ''),
    ),
  );
  return bodies.join('\n');
}

test('the stack puts one collector on every node, a joining node gets its own, and an aggregator rolling update loses no log line', async (t) => {
  t.timeout(9 * 60_000);
  const { file: tarball, tag } = await imagesTarball();
  const swarm = await TestSwarm.create();
  const prefix = `swarmscope-st${randomBytes(3).toString('hex')}`;
  const held: { forwarder?: Server } = {};
  t.teardown(async () => {
    held.forwarder?.close();
    await swarm.close();
    await deleteIndices(`${prefix}-*`);
  });
  const es = await esForwarder(swarm.bridgeIp);
  held.forwarder = es.server;

  const start = async (): Promise<SwarmNode> => {
    const node = await swarm.addNode();
    await swarm.docker(node, ['load', '-i', tarball]);
    await swarm.joinSwarm(node);
    return node;
  };
  const [n0, n1] = [await start(), await start()];
  const m = swarm.manager;
  const token = randomBytes(16).toString('hex');
  const secret = async (name: string, value: string) => {
    const f = join(n0.dir, `${name}.secret`);
    await writeFile(f, value, { mode: 0o600 });
    await swarm.docker(m, ['secret', 'create', name, f]);
    await rm(f);
  };
  await secret('swarmscope_token', token);
  await secret('swarmscope_es_password', testEnv.esPassword);
  const readToken = randomBytes(16).toString('hex');
  await secret('swarmscope_read_token', readToken);
  const stackFile = join(n0.dir, 'stack.yml');
  await writeFile(stackFile, await testStackFile({ aggregatorIps: [n0.ip, n1.ip], esUrl: es.url, prefix }));
  await swarm.docker(m, ['stack', 'deploy', '--resolve-image', 'never', '-c', stackFile, STACK]);
  t.log(`deployed ${tag} on ${swarm.nodes.map((n) => n.hostname).join(', ')}`);

  // Exactly one running collector task per node.
  const perNode = async (n: number) => {
    const tasks = await runningTasks(swarm, 'collector');
    const running = tasks.filter((x) => x.state === 'Running');
    return running.length === n && new Set(running.map((x) => x.node)).size === n ? running : undefined;
  };
  const first = await waitFor(() => perNode(2), {
    timeoutMs: 120_000,
    intervalMs: 1000,
    what: 'one running collector per node',
  });
  t.deepEqual(first.map((x) => x.node).sort(), [n0.hostname, n1.hostname].sort());

  // Every node's data in Elasticsearch, and on /metrics with the node label.
  const nodesIn = async (hosts: string[]) => {
    const hits = await scanAll<{ host?: { name?: string } }>(`${prefix}-metrics-*`, { terms: { 'host.name': hosts } });
    const seen = new Set(hits.map((h) => h._source.host?.name));
    return hosts.every((h) => seen.has(h)) ? seen : undefined;
  };
  const onMetrics = async (hosts: string[]) => {
    const text = await metricsText([n0.ip, n1.ip], readToken);
    return hosts.every((h) => text.includes(`node="${h}"`)) ? text : undefined;
  };
  await waitFor(() => nodesIn([n0.hostname, n1.hostname]), {
    timeoutMs: 120_000,
    intervalMs: 2000,
    what: 'metrics of both nodes in Elasticsearch',
  });
  const text = await waitFor(() => onMetrics([n0.hostname, n1.hostname]), {
    timeoutMs: 60_000,
    intervalMs: 2000,
    what: 'both nodes on /metrics',
  });
  const containerSeries = text.split('\n').filter((l) => l.startsWith('container_') && !l.startsWith('#'));
  t.true(containerSeries.length > 0);
  for (const line of containerSeries) t.regex(line, /node="[^"]+"/, line);

  // A node joining later gets its own collector, with no redeploy.
  const n2 = await start();
  await waitFor(() => perNode(3), { timeoutMs: 120_000, intervalMs: 1000, what: 'a collector on the joined node' });
  await waitFor(() => nodesIn([n2.hostname]), {
    timeoutMs: 120_000,
    intervalMs: 2000,
    what: 'metrics of the joined node in Elasticsearch',
  });

  // Log load on a worker while the aggregator rolls: every numbered line exactly once.
  const writer = await swarm.docker(n1, [
    'run',
    '-d',
    '--network',
    'none',
    '--label',
    'swarmscope.test=1',
    testEnv.workloadImage,
    'sh',
    '-c',
    `i=1; while [ $i -le ${LINES} ]; do echo "line $i"; i=$((i+1)); if [ $((i % 100)) -eq 0 ]; then sleep 0.5; fi; done`,
  ]);
  await swarm.docker(m, ['service', 'update', '--detach', '--force', `${STACK}_aggregator`]);
  await waitFor(
    async () =>
      (await swarm.docker(m, [
        'service',
        'inspect',
        '--format',
        '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}',
        `${STACK}_aggregator`,
      ])) === 'completed',
    { timeoutMs: 180_000, intervalMs: 2000, what: 'the aggregator rolling update to complete' },
  );
  const lines = await waitFor(
    async () => {
      const hits = await scanAll<{ message: string }>(`${prefix}-logs-*`, { term: { 'container.id': writer } });
      return hits.length >= LINES ? hits : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 3000, what: `${LINES} log lines in Elasticsearch` },
  );
  const counts = new Map<string, number>();
  for (const h of lines) counts.set(h._source.message, (counts.get(h._source.message) ?? 0) + 1);
  const missing = Array.from({ length: LINES }, (_, i) => `line ${i + 1}`).filter((l) => counts.get(l) !== 1);
  t.deepEqual(missing, [], 'every line once');
  t.is(lines.length, LINES);
});
