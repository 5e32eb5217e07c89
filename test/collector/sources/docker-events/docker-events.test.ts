// Docker events against the real engine: exit codes with the Swarm service, health transitions,
// resuming after a collector restart without gap or repeat, and the Prometheus counters.
import test from 'ava';
import { randomBytes } from 'node:crypto';
import { startTestAggregator, type TestAggregator } from '../../../helpers/aggregator.ts';
import { startTestCollector } from '../../../helpers/collector.ts';
import { docker, removeContainers, runContainer } from '../../../helpers/docker.ts';
import { scanAll } from '../../../helpers/elasticsearch.ts';
import { testEnv } from '../../../helpers/env.ts';
import { waitFor } from '../../../helpers/wait.ts';

type EventDoc = {
  event: { action: string };
  container?: { id: string; name: string; labels: Record<string, string> };
  service?: { name?: string };
  docker: { event: { action: string; actor: { id: string } }; healthcheck?: { status: string } };
  process?: { exit_code: number };
};

let agg: TestAggregator;
const cleanup: Array<() => Promise<unknown>> = [];

test.before(async () => {
  agg = await startTestAggregator();
});

test.after.always(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await agg?.close();
});

async function eventsOf(
  actor: string,
  min: number,
  filter: (d: EventDoc) => boolean = () => true,
): Promise<EventDoc[]> {
  return waitFor(
    async () => {
      const hits = (
        await scanAll<EventDoc>(`${agg.indexPrefix}-events-*`, { term: { 'docker.event.actor.id': actor } })
      )
        .map((h) => h._source)
        .filter(filter);
      return hits.length >= min ? hits : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 1000, what: `${min} events of ${actor.slice(0, 12)}` },
  );
}

test.serial(
  'a service task that exits with code 3 gives a die event with exit code 3 and its service, counted in Prometheus',
  async (t) => {
    const col = await startTestCollector(agg, { SWARMSCOPE_LOGS: 'false' });
    t.teardown(() => col.close());
    const name = `ss-exit3-${randomBytes(3).toString('hex')}`;
    await docker([
      'service',
      'create',
      '-d',
      '--name',
      name,
      '--restart-condition',
      'none',
      '--label',
      'swarmscope.test=1',
      '--container-label',
      'swarmscope.test=1',
      process.env.SWARMSCOPE_WORKLOAD_IMAGE ?? 'swarmscope-workload:latest',
      'sh',
      '-c',
      'exit 3',
    ]);
    cleanup.push(() => docker(['service', 'rm', name]));
    const task = await waitFor(
      async () =>
        (await docker(['ps', '-a', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${name}`])) ||
        undefined,
      { timeoutMs: 60_000, what: 'the task container' },
    );
    const dies = await eventsOf(task, 1, (d) => d.event.action === 'die');
    t.is(dies.length, 1);
    t.is(dies[0]!.process?.exit_code, 3);
    t.is(dies[0]!.service?.name, name);
    const text = await waitFor(
      async () => {
        const body = await (await fetch(`${agg.url}/metrics`)).text();
        return body.includes(`swarmscope_container_exits_total{node=`) &&
          body.includes(`exit_code="3",container_label_com_docker_swarm_service_name="${name}"`)
          ? body
          : undefined;
      },
      { timeoutMs: 30_000, what: 'the exit counter' },
    );
    t.regex(text, /swarmscope_docker_events_total\{node="[^"]+",type="container",action="die"\} \d+/);
  },
);

test.serial(
  'a failing health check gives health_status: unhealthy events, and probe exec events are not indexed',
  async (t) => {
    const col = await startTestCollector(agg, { SWARMSCOPE_LOGS: 'false' });
    t.teardown(() => col.close());
    const id = await runContainer(
      ['--health-cmd', 'exit 1', '--health-interval', '1s', '--health-retries', '1', '--health-start-period', '0s'],
      ['sleep', '60'],
    );
    cleanup.push(() => removeContainers([id]));
    const unhealthy = await eventsOf(id, 1, (d) => d.docker.event.action === 'health_status: unhealthy');
    t.is(unhealthy[0]!.docker.healthcheck?.status, 'unhealthy');
    const all = await scanAll<EventDoc>(`${agg.indexPrefix}-events-*`, { term: { 'docker.event.actor.id': id } });
    t.false(all.some((h) => h._source.event.action.startsWith('exec_')));
    t.true(col.agent.source('docker-events')!.counters().exec_events! > 0);
  },
);

test.serial('after a collector restart, events resume with no gap and no repeat', async (t) => {
  // Watch what reaches the sink, from both runs. A repeat is an event the collector read and queued
  // again, so it comes in another batch; the same batch sent again (a retried request: at least
  // once, Elasticsearch keeps one) is delivery, not a repeat. Other records are not counted: the
  // Swarm source re-reports open problems under their old ids on every start, by design.
  const batchesOf = new Map<string, Set<string>>();
  let watched = '';
  const write = agg.sink.write.bind(agg.sink);
  agg.sink.write = (records, batchId) => {
    for (const rec of records) {
      if (rec.kind === 'event' && rec.actor.id === watched)
        batchesOf.set(rec.id, (batchesOf.get(rec.id) ?? new Set()).add(batchId));
    }
    return write(records, batchId);
  };
  t.teardown(() => void (agg.sink.write = write));
  const first = await startTestCollector(agg, { SWARMSCOPE_LOGS: 'false' });
  // The id is known only once the container exists: create it, then start it.
  watched = (
    await docker(['create', '--label', 'swarmscope.test=1', '--network', 'none', testEnv.workloadImage, 'sleep', '600'])
  ).trim();
  const id = watched;
  cleanup.push(() => removeContainers([id]));
  await docker(['start', id]);
  await eventsOf(id, 2); // create, start
  await first.close();
  // While no collector runs, the container goes through more of its life.
  await docker(['pause', id]);
  await docker(['unpause', id]);
  await docker(['kill', id]);
  const second = await startTestCollector(agg, { SWARMSCOPE_LOGS: 'false', SWARMSCOPE_DATA_DIR: first.dataDir });
  cleanup.push(() => second.close());
  const events = await eventsOf(id, 6, () => true);
  const actions = events.map((d) => d.docker.event.action).filter((a) => !a.startsWith('exec_'));
  t.deepEqual([...actions].sort(), ['create', 'die', 'kill', 'pause', 'start', 'unpause'].sort());
  t.deepEqual(
    [...batchesOf.values()].filter((b) => b.size > 1).map((b) => [...b]),
    [],
  );
});
