// The Swarm as the subject, on the real test swarm: services, scaling and a rolling update seen
// on /metrics as the engine reports them, and update and task-failure events in Elasticsearch.
import test from 'ava';
import { startTestAggregator, type TestAggregator } from '../helpers/aggregator.ts';
import { startTestCollector } from '../helpers/collector.ts';
import { docker } from '../helpers/docker.ts';
import { scanAll } from '../helpers/elasticsearch.ts';
import { testEnv } from '../helpers/env.ts';
import { createService, removeServices, scrape, serviceTasks, uniqueName } from '../helpers/swarm.ts';
import { waitFor } from '../helpers/wait.ts';

const sample = async (agg: TestAggregator, metric: string, labels: Record<string, string>) =>
  (await scrape(agg.url, metric)).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const value = async (agg: TestAggregator, metric: string, labels: Record<string, string>) =>
  (await sample(agg, metric, labels))[0]?.value;

type ChangeDoc = {
  event: { action: string };
  service?: { name: string };
  swarmscope: { swarm: { change: { task?: { exit_code?: number; state: string; id: string } } } };
  error?: { message: string };
  message: string;
  '@timestamp': string;
};
const changes = (agg: TestAggregator, service: string) =>
  scanAll<ChangeDoc>(`${agg.indexPrefix}-swarm-*`, {
    bool: { filter: [{ term: { 'swarmscope.swarm.type': 'change' } }, { term: { 'service.name': service } }] },
  });

test("replicas, global presence, scaling and a rolling update show on /metrics as the engine reports them, and the update's events reach Elasticsearch", async (t) => {
  t.timeout(600_000); // a busy shared machine: collectors ship log backlogs ahead of the Swarm state
  const rep = uniqueName('sw6-rep');
  const glob = uniqueName('sw6-glob');
  const v2 = `swarmscope-workload:${uniqueName('sw6v2')}`;
  const agg = await startTestAggregator();
  const col = await startTestCollector(agg);
  t.teardown(async () => {
    await removeServices([rep, glob]);
    await docker(['rmi', v2]).catch(() => undefined);
    await col.close();
    await agg.close();
  });
  const hostname = (await docker(['info', '--format', '{{.Name}}'])).trim();
  await createService(rep, ['--replicas', '3', '--stop-grace-period', '1s'], ['sleep', '100000']);
  await createService(glob, ['--mode', 'global', '--stop-grace-period', '1s'], ['sleep', '100000']);

  await waitFor(
    async () => (await value(agg, 'swarmscope_service_replicas_running', { service: rep })) === 3 || undefined,
    { timeoutMs: 240_000, what: `${rep} running 3` },
  );
  t.is(await value(agg, 'swarmscope_service_replicas_desired', { service: rep, mode: 'replicated', stack: '' }), 3);
  await waitFor(
    async () =>
      (await value(agg, 'swarmscope_service_global_present', { service: glob, node: hostname })) === 1 || undefined,
    { timeoutMs: 180_000, what: `${glob} present on ${hostname}` },
  );
  t.is(await value(agg, 'swarmscope_service_replicas_desired', { service: glob, mode: 'global' }), 1);

  await docker(['service', 'scale', '-d', `${rep}=5`]);
  await waitFor(
    async () => (await value(agg, 'swarmscope_service_replicas_running', { service: rep })) === 5 || undefined,
    { timeoutMs: 240_000, what: `${rep} running 5` },
  );
  t.is(await value(agg, 'swarmscope_service_replicas_desired', { service: rep }), 5);

  // The rolling update: record every update state and running count /metrics shows on the way.
  await docker(['tag', testEnv.workloadImage, v2]);
  // New tasks carry a health check first run after 3 s: the engine holds them in `starting` until it
  // passes, so the dip in running tasks lasts seconds on any machine, not the few hundred ms a start takes.
  await docker([
    'service',
    'update',
    '-d',
    '--image',
    v2,
    '--update-parallelism',
    '2',
    '--update-delay',
    '5s',
    '--health-cmd',
    'true',
    '--health-interval',
    '3s',
    '--health-retries',
    '1',
    rep,
  ]);
  const states = new Set<string>();
  const running = new Set<number>();
  await waitFor(
    async () => {
      for (const s of await sample(agg, 'swarmscope_service_update_state', { service: rep }))
        states.add(s.labels.state!);
      const r = await value(agg, 'swarmscope_service_replicas_running', { service: rep });
      if (r !== undefined) running.add(r);
      const info = await sample(agg, 'swarmscope_service_info', { service: rep });
      return states.has('completed') && info[0]?.labels.image === v2 && r === 5;
    },
    { timeoutMs: 400_000, intervalMs: 200, what: `${rep} update completed` },
  );
  t.log(
    `update states seen on /metrics: ${[...states].join(' → ')}; running counts seen: ${[...running].sort().join(', ')}`,
  );
  t.true(states.has('updating'), 'the update was seen in progress');
  t.true(
    [...running].some((r) => r < 5),
    'running dipped below 5 while tasks were replaced',
  );

  // Task counts by state equal the engine's own list once the update has settled.
  await waitFor(
    async () => {
      const truth = new Map<string, number>();
      for (const task of await serviceTasks(rep)) truth.set(task.state, (truth.get(task.state) ?? 0) + 1);
      const shown = new Map(
        (await sample(agg, 'swarmscope_service_tasks', { service: rep })).map((s) => [s.labels.state!, s.value]),
      );
      return JSON.stringify([...truth].sort()) === JSON.stringify([...shown].sort()) || undefined;
    },
    { timeoutMs: 180_000, what: "task counts by state equal the engine's" },
  );
  t.pass();

  const docs = await waitFor(
    async () => {
      const d = await changes(agg, rep);
      const actions = d.map((x) => x._source.event.action);
      return actions.includes('update_started') && actions.includes('update_completed') ? d : undefined;
    },
    { timeoutMs: 180_000, what: 'update events in Elasticsearch' },
  );
  t.is(docs.filter((d) => d._source.event.action === 'update_started').length, 1, 'one update, one start event');
});

test('tasks that keep exiting 1 are reported as failures with their exit code and error, each once', async (t) => {
  t.timeout(600_000);
  const name = uniqueName('sw6-fail');
  const agg = await startTestAggregator();
  const col = await startTestCollector(agg);
  t.teardown(async () => {
    await removeServices([name]);
    await col.close();
    await agg.close();
  });
  await createService(name, ['--replicas', '2', '--restart-delay', '1s'], ['sh', '-c', 'sleep 1; exit 1']);
  const docs = await waitFor(
    async () => {
      const d = await changes(agg, name);
      return d.filter((x) => x._source.event.action === 'task_failed').length >= 4 ? d : undefined;
    },
    { timeoutMs: 300_000, what: 'four task failures in Elasticsearch' },
  );
  const failed = docs.filter((d) => d._source.event.action === 'task_failed');
  for (const d of failed) {
    t.is(d._source.swarmscope.swarm.change.task?.exit_code, 1);
    t.truthy(d._source.error?.message);
  }
  t.is(
    new Set(failed.map((d) => d._source.swarmscope.swarm.change.task?.id)).size,
    failed.length,
    'each failed task once',
  );
  // Ground truth: every failure the engine lists (as of the ES read) is in Elasticsearch.
  const engineFailed = (await serviceTasks(name)).filter((x) => x.state === 'failed');
  const inEs = new Set(failed.map((d) => d._source.swarmscope.swarm.change.task?.id));
  const seenBefore = engineFailed.filter(
    (x) =>
      x.timestamp <=
      failed
        .map((d) => d._source['@timestamp'])
        .sort()
        .at(-1)!,
  );
  for (const f of seenBefore) t.true(inEs.has(f.id), `failed task ${f.id} is in Elasticsearch`);
  t.true((await value(agg, 'swarmscope_task_last_exit_code', { service: name })) === 1);
  t.true(((await value(agg, 'swarmscope_service_task_failures_total', { service: name })) ?? 0) >= 4);
});
