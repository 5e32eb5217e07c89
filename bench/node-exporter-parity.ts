// Dashboard parity figures (not a test): every query of the Grafana dashboards and Prometheus rule
// files given on the command line runs against a private Prometheus scraping swarmscope (a real
// aggregator and collector on this machine, the demo stack on the test swarm) and another scraping
// Debian's prometheus-node-exporter; prints how many return data on each side, side by side.
//   node bench/node-exporter-parity.ts <dashboard.json | rules.yml>…   (paths of fetched snapshots:
//   swarmprom's grafana/dashboards/*.json and prometheus/rules/*.yml, rfmoz's node-exporter-full.json)
// Needs the test environment (eval "$(npm run -s env:up)") and /usr/bin/prometheus-node-exporter.
// Alert rules are counted by their expression without its threshold (data, firing or not).
import { needPackages } from './bench-env.ts'; // first: the test environment, brought up when not exported
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../test/helpers/aggregator-process.ts';
import { startTestAggregator } from '../test/helpers/aggregator.ts';
import { startTestCollector } from '../test/helpers/collector.ts';
import { deployDemoStack } from '../test/helpers/demo-workload.ts';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node bench/node-exporter-parity.ts <dashboard.json | rules.yml>…');
  process.exit(2);
}
const SCRAPE_S = 2;
const WARMUP_S = Number(process.env.SWARMSCOPE_BENCH_WARMUP_SECONDS ?? 45);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Query = { file: string; title: string; expr: string };

/** Every `expr` in a dashboard (panels, rows, nested panels, targets) or rule file, with where it is from. */
function queriesOf(file: string, text: string): Query[] {
  const out: Query[] = [];
  const walk = (node: unknown, title: string) => {
    if (Array.isArray(node)) for (const x of node) walk(x, title);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const here = typeof o.title === 'string' ? o.title : typeof o.alert === 'string' ? o.alert : title;
      if (typeof o.expr === 'string' && o.expr.trim()) {
        // An alert's expression returns data only while it fires: count the measured side, without its threshold.
        const expr = typeof o.alert === 'string' ? o.expr.replace(/\s*[<>]=?\s*[-+0-9.e]+\s*$/, '') : o.expr;
        out.push({ file: basename(file), title: here, expr });
      }
      for (const [k, v] of Object.entries(o)) if (k !== 'templating') walk(v, here);
    }
  };
  walk(file.endsWith('.json') ? JSON.parse(text) : parse(text), '');
  return out;
}

class PrivatePrometheus {
  private proc: ChildProcess | undefined;
  readonly url: string;
  private readonly dir: string;
  private readonly port: number;

  constructor(dir: string, port: number) {
    this.dir = dir;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
  }

  async start(job: string, target: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const config = join(this.dir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        `  scrape_interval: ${SCRAPE_S}s`,
        `  scrape_timeout: ${SCRAPE_S}s`,
        'scrape_configs:',
        `  - job_name: ${job}`,
        '    honor_labels: true',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    this.proc = spawn(
      '/usr/bin/prometheus',
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
      ],
      { stdio: 'ignore' },
    );
  }

  async query(expr: string): Promise<number | Error> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
    return body.status === 'success' ? body.data.result.length : new Error(body.error);
  }

  async labelValues(label: string, selector: string): Promise<string[]> {
    const res = await fetch(`${this.url}/api/v1/label/${label}/values?${new URLSearchParams({ 'match[]': selector })}`);
    return ((await res.json()) as { data?: string[] }).data ?? [];
  }

  stop(): void {
    this.proc?.kill('SIGTERM');
  }
}

/** Grafana's variables as a user would pick them: the job and its first node, all Swarm nodes, 1m windows. */
async function interpolate(expr: string, prom: PrivatePrometheus, job: string): Promise<string> {
  const instance = (await prom.labelValues('instance', `node_uname_info{job="${job}"}`))[0] ?? '';
  const nodename = (await prom.labelValues('nodename', `node_uname_info{job="${job}"}`))[0] ?? '';
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '10s')
    .replaceAll('$interval', '1m')
    .replaceAll('$job', job)
    .replaceAll('$nodename', nodename)
    .replaceAll('$node_id', '.+')
    .replaceAll('$node', instance);
}

const queries: Query[] = [];
for (const f of files) queries.push(...queriesOf(f, await readFile(f, 'utf8')));

const dir = await mkdtemp(join(tmpdir(), 'swarmscope-parity-'));
const neAddress = `127.0.0.1:${await freePort()}`;
await needPackages(['prometheus-node-exporter']);
const nodeExporter = spawn('/usr/bin/prometheus-node-exporter', [`--web.listen-address=${neAddress}`], {
  stdio: 'ignore',
});
const agg = await startTestAggregator({ es: false });
// swarmprom's queries read the host root as mountpoint="/rootfs": SWARMSCOPE_BENCH_MOUNTPOINT_PREFIX=/rootfs shows them.
const prefix = process.env.SWARMSCOPE_BENCH_MOUNTPOINT_PREFIX ?? '';
const collector = await startTestCollector(agg, {
  SWARMSCOPE_NETWORK_LOOPBACK: 'true',
  SWARMSCOPE_INTERVAL: '2s',
  SWARMSCOPE_FILESYSTEM_MOUNTPOINT_PREFIX: prefix,
});
console.error(`mountpoint prefix: ${prefix || '(none: host mountpoints)'}`);
const demo = await deployDemoStack();
const ours = new PrivatePrometheus(join(dir, 'swarmscope'), await freePort());
const peer = new PrivatePrometheus(join(dir, 'node-exporter'), await freePort());
try {
  await ours.start('swarmscope', agg.address);
  await peer.start('node', neAddress);
  console.error(`scraping every ${SCRAPE_S}s for ${WARMUP_S}s before querying…`);
  await sleep(WARMUP_S * 1000);

  type Row = { q: Query; ours: number | Error; peer: number | Error };
  const rows: Row[] = [];
  for (const q of queries) {
    rows.push({
      q,
      ours: await ours.query(await interpolate(q.expr, ours, 'swarmscope')),
      peer: await peer.query(await interpolate(q.expr, peer, 'node')),
    });
  }
  const has = (v: number | Error) => typeof v === 'number' && v > 0;
  console.log(
    "\n| file | queries | with data: swarmscope | with data: node-exporter | node-exporter's answered by swarmscope |",
  );
  console.log('|---|---|---|---|---|');
  for (const f of [...new Set(queries.map((q) => q.file))]) {
    const mine = rows.filter((r) => r.q.file === f);
    const peerOk = mine.filter((r) => has(r.peer));
    console.log(
      `| ${f} | ${mine.length} | ${mine.filter((r) => has(r.ours)).length} | ${peerOk.length} | ${peerOk.filter((r) => has(r.ours)).length} of ${peerOk.length} (${peerOk.length ? Math.round((100 * peerOk.filter((r) => has(r.ours)).length) / peerOk.length) : 0} %) |`,
    );
  }
  console.log('\nQueries without data from swarmscope (node-exporter: series count or error):');
  for (const r of rows.filter((x) => !has(x.ours)))
    console.log(
      `  [${r.q.file}] ${r.q.title}: ${r.q.expr.replace(/\s+/g, ' ').slice(0, 160)}  (ours: ${r.ours instanceof Error ? r.ours.message : r.ours}; node-exporter: ${r.peer instanceof Error ? 'error' : r.peer})`,
    );
} finally {
  ours.stop();
  peer.stop();
  nodeExporter.kill('SIGTERM');
  await demo.remove().catch(() => undefined);
  await collector.close();
  await agg.close();
  await sleep(500);
  await rm(dir, { recursive: true, force: true });
}
