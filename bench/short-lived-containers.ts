// Short-lived containers under load: `docker run --rm` containers that write a known number of lines
// and exit at once, several at a time, beside an unselected flood writer and CPU burners. The log
// source alone (records counted in memory, exactly) against that ground truth: lines missing or
// repeated per container, and how long after `docker run` returned the last line was read.
// Usage: eval "$(npm run -s env:up)"; node bench/short-lived-containers.ts [containers] [at a time] [lines each]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerApi } from '../collector/docker-api.ts';
import { ContainerLogs } from '../collector/sources/container-logs/container-logs.ts';
import { createLogger } from '../common/logger.ts';
import type { WireRecord } from '../common/schema/index.ts';
import { docker, dockerHost, image } from './engine.ts';

const dockerRoot = process.env.SWARMSCOPE_DOCKER_ROOT ?? '/var/lib/docker';
const total = Number(process.argv[2] ?? 80);
const width = Number(process.argv[3] ?? 8);
const linesEach = Number(process.argv[4] ?? 1000);

const label = `swarmscope.bench=${process.pid}`;
/** Per container name: each line number seen, how often; when its last expected line was read. */
const seen = new Map<string, { counts: Map<number, number>; complete?: number }>();
const api = new DockerApi(dockerHost);
await api.negotiate();
const dataDir = await mkdtemp(join(tmpdir(), 'swarmscope-bench-'));
const logs = new ContainerLogs({
  api, dockerRoot, dataDir, node: () => ({ id: '', hostname: 'bench' }), acceptsLogs: () => true,
  log: createLogger({ name: 'bench', level: 'silent' }), maxMessageBytes: 1 << 20, pollIntervalMs: 1000, rescanIntervalMs: 250,
  multilineMaxLines: 500, multilineFlushMs: 1000, selector: label,
  add: async (records: WireRecord[]) => {
    for (const r of records) {
      if (r.kind !== 'log') continue;
      let s = seen.get(r.container.name);
      if (!s) seen.set(r.container.name, (s = { counts: new Map() }));
      const n = Number(r.message);
      s.counts.set(n, (s.counts.get(n) ?? 0) + 1);
      if (s.counts.size === linesEach && !s.complete) s.complete = Date.now();
    }
    return true;
  },
});
await logs.start();

const flood = (await docker(['run', '-d', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=2', image, 'sh', '-c', 'while true; do seq 1 20000; done'])).stdout.trim();
const burn = (await docker(['run', '-d', image, 'sh', '-c', 'for i in 1 2 3 4; do (while true; do :; done) & done; wait'])).stdout.trim();
const returned = new Map<string, number>();
const cpu0 = process.cpuUsage();
const t0 = Date.now();
try {
  const queue = Array.from({ length: total }, (_, i) => `ss-short-${process.pid}-${i}`);
  await Promise.all(Array.from({ length: width }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      await docker(['run', '--rm', '--name', name, '--network', 'none', '--label', label, image, 'seq', '1', String(linesEach)]);
      returned.set(name, Date.now());
    }
  }));
  const runSeconds = (Date.now() - t0) / 1000;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && [...returned.keys()].some((n) => !seen.get(n)?.complete)) await sleep(250);
  const cpu = process.cpuUsage(cpu0);
  let missing = 0;
  let repeated = 0;
  let incomplete = 0;
  const lags: number[] = [];
  for (const [name, at] of returned) {
    const s = seen.get(name);
    if (!s?.complete) incomplete++;
    for (let n = 1; n <= linesEach; n++) {
      const c = s?.counts.get(n) ?? 0;
      if (c === 0) missing++;
      if (c > 1) repeated += c - 1;
    }
    if (s?.complete) lags.push(Math.max(0, s.complete - at));
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number) => lags.length ? lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))]! : NaN;
  console.log('containers  at a time  lines each  run s  incomplete  lines missing  lines repeated  last line after exit p50 / p99 / max ms  collector CPU s');
  console.log(`${String(total).padStart(10)}  ${String(width).padStart(9)}  ${String(linesEach).padStart(10)}  ${runSeconds.toFixed(1).padStart(5)}  ${String(incomplete).padStart(10)}  ${String(missing).padStart(13)}  ${String(repeated).padStart(14)}  ${`${pct(50)} / ${pct(99)} / ${lags.at(-1) ?? NaN}`.padStart(39)}  ${((cpu.user + cpu.system) / 1e6).toFixed(2).padStart(15)}`);
} finally {
  await docker(['rm', '-f', flood, burn]).catch(() => undefined);
  await logs.close();
  await api.close();
  await rm(dataDir, { recursive: true, force: true });
}
