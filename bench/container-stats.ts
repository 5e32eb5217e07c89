// Container stats cost: the collector's cgroup sampling (inventory refresh + kept-file reads, as the
// agent runs it) against the Engine's stats API (one-shot polling, as Metricbeat/docker stats do) for
// the same idle containers at a 1 s interval. Prints CPU µs per container-sample and memory.
// Usage: eval "$(npm run -s env:up)"; node bench/container-stats.ts [10,100,300] [rounds]
import './bench-env.ts'; // first: the test environment, brought up when not exported
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { DockerApi } from '../collector/docker-api.ts';
import { DockerInventory } from '../collector/docker-inventory.ts';
import { ContainerSampler } from '../collector/sources/cgroup-stats/container-sampler.ts';
import { createLogger } from '../common/logger.ts';
import { docker, dockerHost, image, pool, processCpu } from './engine.ts';

const sizes = (process.argv[2] ?? '10,100,300').split(',').map(Number);
const rounds = Number(process.argv[3] ?? 10);
const TICK = 100; // USER_HZ

/** The engine under test: the dockerd whose command line names our socket. */
function dockerdPid(): number {
  const sock = dockerHost.replace(/^unix:\/\//, '');
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('dockerd') && cmd.some((a) => a.includes(sock))) return Number(p);
    } catch {
      /* gone */
    }
  }
  throw new Error(`no dockerd serving ${sock}`);
}

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICK;
}

const mib = (b: number) => (b / 1048576).toFixed(1);

async function measureCollector(ids: Set<string>) {
  const log = createLogger({ name: 'bench', level: 'silent' });
  const api = new DockerApi(dockerHost);
  await api.negotiate();
  const inventory = new DockerInventory({ api, log, reconcileMs: 60_000 });
  const sampler = new ContainerSampler({ cgroupRoot: process.env.SWARMSCOPE_CGROUP_ROOT ?? '/sys/fs/cgroup', log });
  const node = { id: '', hostname: 'bench' };
  const round = async () => {
    await inventory.refresh();
    const mine = inventory.running().filter((c) => ids.has(c.ref.id));
    return sampler.sample(node, mine, new Date(), 1000);
  };
  await round(); // first round locates cgroups and inspects: a one-time cost, reported apart
  let samples = 0;
  const cpu0 = processCpu();
  for (let i = 0; i < rounds; i++) {
    const t = Date.now();
    samples += (await round()).length - 1;
    await sleep(Math.max(0, 1000 - (Date.now() - t)));
  }
  const cpu = processCpu() - cpu0;
  const rss = process.memoryUsage().rss;
  sampler.close();
  await api.close();
  return { usPerSample: (cpu * 1e6) / samples, samples, rss, cpuShare: cpu / rounds };
}

async function measureEngine(ids: string[], pid: number) {
  const api = new DockerApi(dockerHost);
  await api.negotiate();
  const poll = () => pool(ids, 8, (id) => api.get(`/containers/${id}/stats?stream=false&one-shot=true`));
  await poll();
  const d0 = cpuSeconds(pid);
  const c0 = processCpu();
  let slowest = 0;
  for (let i = 0; i < rounds; i++) {
    const t = Date.now();
    await poll();
    slowest = Math.max(slowest, Date.now() - t);
    await sleep(Math.max(0, 1000 - (Date.now() - t)));
  }
  const dockerd = cpuSeconds(pid) - d0;
  const client = processCpu() - c0;
  await api.close();
  const n = rounds * ids.length;
  return {
    dockerdUs: (dockerd * 1e6) / n,
    clientUs: (client * 1e6) / n,
    slowestRoundMs: slowest,
    dockerdRss: Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024,
  };
}

const pid = dockerdPid();
console.log(
  `containers  collector µs/sample  collector RSS MiB  collector CPU %  |  dockerd µs/sample  stats client µs/sample  slowest stats round ms  |  ratio (dockerd+client)/collector`,
);
for (const n of sizes) {
  const names = Array.from({ length: n }, (_, i) => `ss-bench-${process.pid}-${i}`);
  const ids: string[] = [];
  try {
    await pool(names, 8, async (name) =>
      ids.push(
        (
          await docker([
            'run',
            '-d',
            '--name',
            name,
            '--label',
            'swarmscope.test=1',
            '--network',
            'none',
            image,
            'sleep',
            '3600',
          ])
        ).stdout.trim(),
      ),
    );
    const c = await measureCollector(new Set(ids));
    const e = await measureEngine(ids, pid);
    console.log(
      `${String(n).padStart(10)}  ${c.usPerSample.toFixed(1).padStart(19)}  ${mib(c.rss).padStart(17)}  ${(c.cpuShare * 100).toFixed(2).padStart(15)}  |  ${e.dockerdUs.toFixed(0).padStart(17)}  ${e.clientUs.toFixed(0).padStart(22)}  ${String(e.slowestRoundMs).padStart(22)}  |  ${((e.dockerdUs + e.clientUs) / c.usPerSample).toFixed(1).padStart(6)}x`,
    );
  } finally {
    for (let i = 0; i < ids.length; i += 100)
      await docker(['rm', '-f', ...ids.slice(i, i + 100)]).catch(() => undefined);
  }
}
