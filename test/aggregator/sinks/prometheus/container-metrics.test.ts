// Container series end to end: real containers → collector → aggregator → a real Prometheus scrape
// (and Elasticsearch documents), checked against the limits and cgroup files the test controls.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestAggregator, type TestAggregator } from '../../../helpers/aggregator.ts';
import { startTestCollector } from '../../../helpers/collector.ts';
import { docker, removeContainers, runContainer } from '../../../helpers/docker.ts';
import { promQuery, scrapeTarget } from '../../../helpers/prometheus.ts';
import { scanAll } from '../../../helpers/elasticsearch.ts';
import { waitFor } from '../../../helpers/wait.ts';

const MiB = 1024 * 1024;
const quiet = { SWARMSCOPE_LOGS: 'false', SWARMSCOPE_EVENTS: 'false' };

async function scrape(agg: TestAggregator): Promise<string[]> {
  return (await (await fetch(`${agg.url}/metrics`)).text()).split('\n');
}

test.serial(
  'a --cpus 0.5 busy container reads 0.5 ± 0.1 through Prometheus, a 32 MiB working set matches its cgroup, documents reach Elasticsearch, series are stable and vanish with the container',
  async (t) => {
    const agg = await startTestAggregator();
    const suffix = Math.random().toString(36).slice(2, 8);
    const busyName = `ss-busy-${suffix}`;
    const memName = `ss-mem-${suffix}`;
    const busy = await runContainer(
      ['--name', busyName, '--cpus', '0.5'],
      ['sh', '-c', 'while :; do :; done & while :; do :; done'],
    );
    const mem = await runContainer(
      ['--name', memName, '--memory', '64m', '--shm-size', '48m'],
      ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/hold bs=1M count=32 2>/dev/null; sleep 600'],
    );
    const collector = await startTestCollector(agg, quiet);
    const stop = await scrapeTarget(`metrics-${suffix}`, agg.address);
    try {
      const rate = await waitFor(
        async () => {
          const r = await promQuery(`rate(container_cpu_usage_seconds_total{name="${busyName}"}[30s])`);
          const samples = await promQuery(
            `count_over_time(container_cpu_usage_seconds_total{name="${busyName}"}[30s])`,
          );
          return r.length === 1 && Number(samples[0]?.value[1]) >= 25 ? Number(r[0]!.value[1]) : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 2000, what: 'a 30 s rate window of real scrapes' },
      );
      const [throttledShare] = await promQuery(
        `rate(container_cpu_cfs_throttled_periods_total{name="${busyName}"}[30s]) / rate(container_cpu_cfs_periods_total{name="${busyName}"}[30s])`,
      );
      const share = Number(throttledShare?.value[1]);
      t.true(rate <= 0.6, `rate ${rate}`);
      // Other tests share the 2 cores: the ±0.1 check holds when the container got all its quota allowed.
      if (share >= 0.9) t.true(Math.abs(rate - 0.5) <= 0.1, `rate ${rate}`);
      else
        t.log(
          `CPU contended: ${(share * 100).toFixed(0)}% of periods throttled, rate ${rate.toFixed(3)}; the 0.5 ± 0.1 check needs an uncontended window`,
        );

      const [ws] = await promQuery(`container_memory_working_set_bytes{name="${memName}"}`);
      const usage = Number(readFileSync(`/sys/fs/cgroup/memory/docker/${mem}/memory.usage_in_bytes`, 'utf8'));
      const inactive = Number(
        /total_inactive_file (\d+)/.exec(readFileSync(`/sys/fs/cgroup/memory/docker/${mem}/memory.stat`, 'utf8'))![1],
      );
      const workingSet = Number(ws!.value[1]);
      t.true(
        Math.abs(workingSet - (usage - inactive)) <= 0.1 * (usage - inactive),
        `Prometheus ${workingSet} vs cgroup ${usage - inactive}`,
      );
      t.true(Math.abs(workingSet - 32 * MiB) <= 3.2 * MiB, `working set ${(workingSet / MiB).toFixed(1)} MiB`);
      const [limit] = await promQuery(`container_spec_memory_limit_bytes{name="${memName}"}`);
      t.is(Number(limit!.value[1]), 64 * MiB);

      const docs = await scanAll<{
        docker: {
          cpu: { total: { pct?: number; norm?: { pct: number } } };
          memory: { workingset: { total: number }; limit: number };
        };
      }>(`${agg.indexPrefix}-metrics-*`, { term: { 'container.id': busy } });
      const withRates = docs.filter((d) => d._source.docker.cpu.total.pct !== undefined);
      t.true(withRates.length >= 10);
      const last = withRates.at(-1)!._source.docker.cpu.total;
      t.true(last.pct! > 0 && last.pct! <= 0.6);
      t.true(Math.abs(last.norm!.pct - last.pct! / 2) < 1e-9 || last.norm!.pct <= last.pct!);

      const mine = (lines: string[], id: string) =>
        lines.filter((l) => l.includes(`id="/docker/${id}"`)).map((l) => l.slice(0, l.lastIndexOf(' ')));
      const counts: number[] = [];
      let first: string[] | undefined;
      for (let i = 0; i < 10; i++) {
        const lines = await scrape(agg);
        const series = [...mine(lines, busy), ...mine(lines, mem)].sort();
        first ??= series;
        t.deepEqual(series, first, `scrape ${i + 1}: same series`);
        counts.push(series.length);
        await sleep(1000);
      }
      t.true(counts[0]! >= 70, `${counts[0]} series for two containers`);
      await removeContainers([busy]);
      await waitFor(async () => mine(await scrape(agg), busy).length === 0, {
        timeoutMs: 5000,
        what: "the removed container's series to vanish",
      });
      t.deepEqual(
        mine(await scrape(agg), mem).sort(),
        (first ?? []).filter((l) => l.includes(mem)),
        'the other container keeps its series',
      );
    } finally {
      await stop();
      await collector.close();
      await removeContainers([busy, mem]);
      await agg.close();
    }
  },
);

test.serial(
  'a service task pushed past its memory limit: one OOM kill, counted once, under its service labels',
  async (t) => {
    const agg = await startTestAggregator({ es: false });
    const service = `ss-oom-${Math.random().toString(36).slice(2, 8)}`;
    // tail buffers /dev/zero looking for a newline until the kernel kills it; the shell lives on.
    await docker([
      'service',
      'create',
      '-d',
      '--name',
      service,
      '--label',
      'swarmscope.test=1',
      '--container-label',
      'swarmscope.test=1',
      '--restart-condition',
      'none',
      '--limit-memory',
      '32m',
      '--reserve-memory',
      '0',
      'swarmscope-workload:latest',
      'sh',
      '-c',
      'tail /dev/zero; sleep 600',
    ]);
    const collector = await startTestCollector(agg, quiet);
    try {
      const series = `container_oom_events_total{`;
      const line = await waitFor(
        async () =>
          (await scrape(agg)).find(
            (l) =>
              l.startsWith(series) &&
              l.includes(`container_label_com_docker_swarm_service_name="${service}"`) &&
              l.endsWith(' 1'),
          ),
        { timeoutMs: 60_000, intervalMs: 1000, what: 'the OOM kill counted' },
      );
      t.regex(line, /container_label_com_docker_swarm_task_name="ss-oom-[a-z0-9]+\.1\.[a-z0-9]+"/);
      t.regex(line, /container_label_com_docker_swarm_node_id="[a-z0-9]+"/);
      await sleep(3000);
      const again = (await scrape(agg)).filter((l) => l.startsWith(series) && l.includes(`service_name="${service}"`));
      t.deepEqual(
        again.map((l) => l.slice(l.lastIndexOf(' ') + 1)),
        ['1'],
        'still exactly one kill a few samples later',
      );
    } finally {
      await collector.close();
      await docker(['service', 'rm', service]).catch(() => undefined);
      await agg.close();
    }
  },
);
