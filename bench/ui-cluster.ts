// The web UI's cost in the browser at N containers on one node (default 300, in 30 services): an
// aggregator fed every second through ingest with every container's stats and the Swarm's state
// (services, tasks), and Chromium on the cluster page and the visualizer. Prints the cluster page's
// first paint (the browser's first contentful paint, and the moment the cluster tables are drawn),
// the script time a second of live updates costs (Chromium's Performance.getMetrics ScriptDuration
// over SECONDS), and the assets' bytes raw / gzip / brotli.
// Usage: node bench/ui-cluster.ts [--containers 300] [--seconds 20]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../aggregator/app.ts';
import { loadAggregatorConfig } from '../aggregator/config.ts';
import { createLogger } from '../common/logger.ts';
import type { WireRecord } from '../common/schema/index.ts';
import { INGEST_PATH, NDJSON } from '../common/wire.ts';
import { launchChromium } from '../test/helpers/browser.ts';

const { values } = parseArgs({
  options: { containers: { type: 'string', default: '300' }, seconds: { type: 'string', default: '20' } },
});
const N = Number(values.containers);
const SECONDS = Number(values.seconds);
const PER_SERVICE = 10;

const token = randomBytes(12).toString('hex');
const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-ui-bench-'));
const agg = await buildApp(
  loadAggregatorConfig({ SWARMSCOPE_TOKEN: token, SWARMSCOPE_LISTEN: '127.0.0.1:0', SWARMSCOPE_DATA_DIR: dataDir }),
  createLogger({ name: 'bench', level: 'error' }),
);
const url = await agg.app.listen({ host: '127.0.0.1', port: 0 });

const node = { id: 'benchnode0000000000000000', hostname: 'bench-node' };
const services = Array.from({ length: Math.ceil(N / PER_SERVICE) }, (_, s) => ({
  id: `svc${String(s).padStart(22, '0')}`,
  name: `bench-svc-${s}`,
}));
const containers = Array.from({ length: N }, (_, i) => {
  const svc = services[Math.floor(i / PER_SERVICE)]!;
  const slot = (i % PER_SERVICE) + 1;
  const taskId = `task${String(i).padStart(21, '0')}`;
  return { id: randomBytes(32).toString('hex'), svc, slot, taskId, name: `${svc.name}.${slot}.${taskId}` };
});

/** One second's worth of what a collector on a manager sends: every container, the host, the Swarm. */
function batch(tick: number): WireRecord[] {
  const time = new Date().toISOString();
  const out: WireRecord[] = containers.map((c, i) => ({
    kind: 'metric',
    scope: 'container',
    id: `m${tick}x${i}xbench`,
    time,
    node,
    container: {
      id: c.id,
      name: c.name,
      image: 'bench/app:1',
      labels: {
        'com.docker.swarm.service.name': c.svc.name,
        'com.docker.swarm.service.id': c.svc.id,
        'com.docker.swarm.task.name': c.name,
        'com.docker.swarm.task.id': c.taskId,
        'com.docker.swarm.node.id': node.id,
      },
    },
    state: { status: 'running', health: i % 37 === 0 ? 'unhealthy' : 'healthy', restartCount: 0 },
    cpu: { usageSeconds: tick * 0.01 * (1 + (i % 5)) },
    memory: { usageBytes: 50e6 + i * 1e5, workingSetBytes: 40e6 + ((i * 7919 + tick * 104729) % 9e6) },
    rates: {
      windowSeconds: 1,
      onlineCpus: 8,
      cpuTotal: ((i * 31 + tick * 17) % 100) / 500,
      netRxBytes: (i * 131 + tick * 977) % 50_000,
      netTxBytes: (i * 71 + tick * 311) % 30_000,
      diskReadBytes: 0,
      diskWriteBytes: (tick * i) % 4096,
    },
  }));
  out.push({
    kind: 'swarm',
    type: 'snapshot',
    id: `s${tick}xbenchsnapshot`,
    time,
    node,
    body: {
      clusterId: 'benchcluster',
      services: services.map((s) => ({
        id: s.id,
        name: s.name,
        stack: 'bench',
        mode: 'replicated' as const,
        image: 'bench/app:1',
        desired: PER_SERVICE,
        running: PER_SERVICE,
        version: 1,
      })),
      tasks: containers.map((c) => ({
        id: c.taskId,
        serviceId: c.svc.id,
        nodeId: node.id,
        slot: c.slot,
        desiredState: 'running',
        state: 'running',
        timestamp: '2026-01-01T00:00:00Z',
        containerId: c.id,
      })),
      nodes: [
        {
          id: node.id,
          hostname: node.hostname,
          role: 'manager',
          availability: 'active',
          status: 'ready',
          address: '127.0.0.1',
          engineVersion: '20.10',
          updatedAt: '2026-01-01T00:00:00Z',
          manager: { leader: true, reachability: 'reachable', address: '127.0.0.1:2377' },
        },
      ],
      tasksOmitted: 0,
    },
  });
  return out;
}

let tick = 0;
async function feed(): Promise<void> {
  const body = gzipSync(
    batch(tick++)
      .map((r) => JSON.stringify(r))
      .join('\n'),
    { level: 1 },
  );
  const res = await fetch(`${url}${INGEST_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': NDJSON, 'content-encoding': 'gzip' },
    body,
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}
await feed();
await feed();
const feeder = setInterval(() => void feed().catch((err: Error) => process.stderr.write(`${err.message}\n`)), 1000);

const browser = await launchChromium();
const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, baseURL: url });
await context.request.post('/login', { form: { password: token, next: '/' } });

async function firstPaint(): Promise<{ fcp: number; tables: number }> {
  const page = await context.newPage();
  // Scripts as strings: this file is typed for Node, they run in the page.
  await page.addInitScript({
    content: `new MutationObserver((_m, obs) => {
      if (document.querySelector('table.services tbody tr')) { window.tablesAt = performance.now(); obs.disconnect(); }
    }).observe(document, { childList: true, subtree: true });`,
  });
  await page.goto('/');
  await page.waitForSelector('table.services tbody tr');
  // The frame that shows the tables is painted on the next animation frame.
  const out = (await page.evaluate(`new Promise((resolve) => requestAnimationFrame(() => resolve({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    tables: window.tablesAt,
  })))`)) as { fcp: number; tables: number };
  await page.close();
  return out;
}

async function updateCost(path: string): Promise<{ scriptMsPerS: number; taskMsPerS: number; views: number }> {
  const page = await context.newPage();
  await page.goto(path);
  await page.waitForSelector('[data-connection="live"]');
  await page.waitForTimeout(2000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable');
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? 0;
    return { script: get('ScriptDuration'), task: get('TaskDuration'), t: get('Timestamp') };
  };
  const a = await metric();
  const viewsBefore = tick;
  await page.waitForTimeout(SECONDS * 1000);
  const b = await metric();
  const elapsed = b.t - a.t;
  await page.close();
  return {
    scriptMsPerS: ((b.script - a.script) / elapsed) * 1000,
    taskMsPerS: ((b.task - a.task) / elapsed) * 1000,
    views: tick - viewsBefore,
  };
}

const paints = [];
for (let i = 0; i < 5; i++) paints.push(await firstPaint());
const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cluster = await updateCost('/');
const visualizer = await updateCost('/visualizer');

const sizes = [];
for (const name of ['app.js', 'app.css']) {
  const r = await context.request.get(`/ui/assets/${name}`, { headers: { 'accept-encoding': 'identity' } });
  const raw = (await r.body()).length;
  const gz = (await context.request.get(`/ui/assets/${name}`, { headers: { 'accept-encoding': 'gzip' } })).headers()[
    'content-length'
  ];
  const br = (await context.request.get(`/ui/assets/${name}`, { headers: { 'accept-encoding': 'br' } })).headers()[
    'content-length'
  ];
  sizes.push(`${name} ${raw} B raw, ${gz} B gzip, ${br} B brotli`);
}
const full = await agg.ui!.view();
const viewBytes = JSON.stringify(full).length;
const clusterBytes = JSON.stringify({ ...full, tasks: [], containers: [], events: [] }).length;
const visualizerBytes = JSON.stringify({ ...full, containers: [], events: [] }).length;

clearInterval(feeder);
await browser.close();
await agg.app.close();
await rm(dataDir, { recursive: true, force: true });

const f = (x: number) => x.toFixed(1);
process.stdout.write(
  [
    `UI at ${N} containers (${services.length} services, 1 node), live feed every 1 s, ${SECONDS} s per page:`,
    `  cluster page first paint: first contentful paint ${f(median(paints.map((p) => p.fcp)))} ms, cluster tables drawn ${f(median(paints.map((p) => p.tables)))} ms (median of 5; slowest ${f(Math.max(...paints.map((p) => p.tables)))} ms)`,
    `  live update cost, cluster page: ${f(cluster.scriptMsPerS)} ms script/s (${f(cluster.taskMsPerS)} ms main-thread tasks/s)`,
    `  live update cost, visualizer:   ${f(visualizer.scriptMsPerS)} ms script/s (${f(visualizer.taskMsPerS)} ms main-thread tasks/s)`,
    `  view sent per update: cluster page ${clusterBytes} B, visualizer ${visualizerBytes} B, entity pages ${viewBytes} B of JSON`,
    `  assets: ${sizes.join('; ')}`,
    '',
  ].join('\n'),
);
